"""Each format opened again by the library that reads it, its tables checked against the
report's numbers; the HTML page carries inline SVG and no script."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
from docx import Document

from portal.reports.render_csv import render_csv
from portal.reports.render_docx import render_docx
from portal.reports.render_html import render_html
from portal.reports.render_xlsx import render_xlsx
from portal.reports.sheets import sheet_names
from tests.helpers.reports import sample_report


def test_the_html_page_inlines_svg_charts_and_holds_no_script(app):
    with app.app_context():
        html = render_html(sample_report())
    assert html.count("<svg") == 2
    assert "<script" not in html.lower()
    assert "WenQuanYi Micro Hei" in html
    assert '<caption>热点问题</caption>' in html and '<th scope="col">件数</th>' in html
    assert '<a href="https://portal.test/wall/7">人民路夜间施工噪音</a>' in html
    assert "2026-11-02 09:30" in html  # the city's time


def test_the_word_document_has_the_headings_and_tables_of_the_report(app):
    with app.app_context():
        document = Document(io.BytesIO(render_docx(sample_report())))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["一、总体情况", "二、考核"]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    assert tables[0] == [["项目", "件数"], ["市长信箱", "70"], ["12345热线", "50"]]
    assert tables[1] == [["热点", "件数", "示例答复"],
                         ["噪音", "12", "人民路夜间施工噪音（https://portal.test/wall/7）"],
                         ["=SUM(A1)", "3", ""]]
    assert tables[3][1] == ["市交通运输局", "0.875"]
    assert all(run.bold for c in document.tables[1].rows[0].cells
               for run in c.paragraphs[0].runs)


def test_the_workbook_has_one_sheet_per_table_with_numbers_as_numbers():
    report = sample_report()
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    assert book.sheetnames == sheet_names(report.all_tables())
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert len(set(book.sheetnames)) == 5
    hot = book["热点问题"]
    assert [[c.value for c in row] for row in hot.iter_rows()] == [
        ["热点", "件数", "示例答复"], ["噪音", 12, "人民路夜间施工噪音"], ["=SUM(A1)", 3, None]]
    assert hot["C2"].hyperlink.target == "https://portal.test/wall/7"
    assert hot["B2"].data_type == "n" and hot["A3"].data_type == "s"
    assert all(c.font.bold for c in hot[1])
    assert book[book.sheetnames[3]]["B2"].value == 0.875


def test_sheet_names_are_valid_and_unique():
    from portal.reports.document import Table

    names = sheet_names([Table("a/b:c[d]*?", ["x"]), Table("A/B:C[D]*?", ["x"]),
                         Table("   ", ["x"]), Table("长" * 40, ["x"]), Table("长" * 40, ["x"])])
    assert names == ["a_b_c_d___", "A_B_C_D___(2)", "表3", "长" * 31, "长" * 28 + "(2)"]


def test_the_csv_zip_holds_one_file_per_table_with_a_bom():
    archive = zipfile.ZipFile(io.BytesIO(render_csv(sample_report())))
    assert len(archive.namelist()) == 5
    raw = archive.read("热点问题.csv")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [["热点", "件数", "示例答复"],
                    ["噪音", "12", "人民路夜间施工噪音（https://portal.test/wall/7）"],
                    ["'=SUM(A1)", "3", ""]]
