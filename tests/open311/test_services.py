"""Discovery, the service list and service definitions, as JSON and as XML, through the
HTTP stack."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from tests.helpers.open311 import request_form


def xml(response) -> ElementTree.Element:
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.data)


def test_discovery_names_the_specification_the_endpoint_and_both_formats(client):
    answer = client.get("/open311/v2/discovery.json")

    assert answer.status_code == 200
    assert answer.content_type == "application/json; charset=utf-8"
    body = answer.get_json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "https://portal.test/open311/v2"  # SITE_URL, never the Host header
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert "API key" in body["key_service"]
    root = xml(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.iterfind("endpoints/endpoint/formats/format")] == [
        "text/xml", "application/json"]
    assert root.findtext("changeset") == body["changeset"]


def test_services_list_every_active_category_with_metadata_where_it_has_attributes(
        client, city, session):
    retired = type(city.roads)(name="已停用类别", sort_order=9, is_active=False)
    session.add(retired)
    session.commit()

    services = client.get("/open311/v2/services.json").get_json()

    assert [(s["service_code"], s["service_name"], s["metadata"]) for s in services] == [
        (str(city.lights.id), "城市管理", True), (str(city.roads.id), "交通出行", False)]
    assert set(services[0]) == {"service_code", "service_name", "description", "metadata",
                                "type", "keywords", "group"}
    assert services[0]["type"] == "realtime"
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    assert [(s.findtext("service_code"), s.findtext("metadata")) for s in root] == [
        (str(city.lights.id), "true"), (str(city.roads.id), "false")]


def test_a_service_definition_lists_its_attributes_in_order(client, city):
    definition = client.get(f"/open311/v2/services/{city.lights.id}.json").get_json()

    assert definition["service_code"] == str(city.lights.id)
    assert [a["code"] for a in definition["attributes"]] == [
        "facility", "count", "period", "seen_at", "where", "note"]
    facility = definition["attributes"][0]
    assert facility == {
        "variable": True, "code": "facility", "datatype": "singlevaluelist", "required": True,
        "datatype_description": "", "order": 1, "description": "损坏的设施",
        "values": [{"key": "streetlight", "name": "路灯"}, {"key": "manhole", "name": "井盖"}]}
    root = xml(client.get(f"/open311/v2/services/{city.lights.id}.xml"))
    assert root.tag == "service_definition"
    first = root.find("attributes/attribute")
    assert first.findtext("required") == "true"
    assert [v.findtext("name") for v in first.iterfind("values/value")] == ["路灯", "井盖"]


def test_a_service_without_extra_fields_has_an_empty_definition(client, city):
    assert client.get(f"/open311/v2/services/{city.roads.id}.json").get_json() == {
        "service_code": str(city.roads.id), "attributes": []}
    root = xml(client.get(f"/open311/v2/services/{city.roads.id}.xml"))
    assert list(root.find("attributes")) == []


@pytest.mark.parametrize("code", ["999999", "abc", "0", "-1", "1.5", "%00", "99999999999999999999"])
def test_an_unknown_service_code_gets_the_standard_404(client, city, code):
    for fmt in ("json", "xml"):
        answer = client.get(f"/open311/v2/services/{code}.{fmt}")
        assert answer.status_code == 404
        if fmt == "json":
            [error] = answer.get_json()
            assert error["code"] == 404 and "service_code" in error["description"]
        else:
            root = xml(answer)
            assert root.tag == "errors" and root.findtext("error/code") == "404"


@pytest.mark.parametrize("path", ["/open311/v2/services.yaml", "/open311/v2/nothing.json",
                                  "/open311/v2/requests/1/2.xml", "/open311/v2/"])
def test_unknown_urls_get_the_standard_404_in_the_format_asked_for(client, path):
    answer = client.get(path)

    assert answer.status_code == 404
    if path.endswith(".xml"):
        assert xml(answer).findtext("error/code") == "404"
    else:
        assert answer.get_json()[0]["code"] == 404


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_get_the_standard_405_with_allow(client, method):
    answer = client.open("/open311/v2/requests.xml", method=method)

    assert answer.status_code == 405
    assert "POST" in answer.headers["Allow"] and "GET" in answer.headers["Allow"]
    assert xml(answer).findtext("error/code") == "405"


def test_an_oversized_post_gets_the_standard_413(make_app, city, api_key):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    answer = app.test_client().post("/open311/v2/requests.json", data=request_form(
        city, api_key, description="长" * 2000))

    assert answer.status_code == 413
    assert answer.get_json()[0]["code"] == 413


def test_xml_never_carries_characters_xml_cannot_hold(client, city, session):
    city.roads.name = "交通\x01出行\ufffe"
    session.commit()

    root = xml(client.get("/open311/v2/services.xml"))  # parses: the control chars are gone

    assert [s.findtext("service_name") for s in root][1] == "交通出行"
    assert client.get("/open311/v2/services.json").get_json()[1]["service_name"] == "交通出行"
