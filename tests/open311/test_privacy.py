"""No personal field of any case, in any status, reaches any Open311 or open-data answer,
as JSON, XML or CSV (SECURITY.md A22): names, phones, e-mail addresses, tracking codes,
places that were not published, coordinates, media links."""

from __future__ import annotations

from portal.open311.formats import FORMATS
from tests.open311.conftest import STAGES, request_form

OPEN311_CITIZEN = ["欧阳娜娜", "13912345678", "ouyang.nana@example.com", "幸福里小区东门",
                   "30.2598", "120.1302", "photos.example.com"]


def public_urls(city, case_ids: list[int], token: str) -> list[str]:
    every = ",".join(map(str, case_ids))
    urls = ["/api/wall.json", "/api/wall.json?per_page=1000", "/api/wall.csv",
            "/api/wall.csv?category=城市管理", "/api/openapi.json"]
    for fmt in FORMATS:
        base = "/open311/v2"
        urls += [f"{base}/discovery.{fmt}", f"{base}/services.{fmt}",
                 f"{base}/services/{city.lights.id}.{fmt}", f"{base}/requests.{fmt}",
                 f"{base}/requests.{fmt}?status=open", f"{base}/requests.{fmt}?status=closed",
                 f"{base}/requests.{fmt}?service_request_id={every}",
                 f"{base}/requests.{fmt}?service_code={city.lights.id}",
                 f"{base}/tokens/{token}.{fmt}"]
        urls += [f"{base}/requests/{i}.{fmt}" for i in case_ids]
    return urls


def test_no_answer_carries_personal_data_of_a_case_in_any_status(client, city, every_status,
                                                                 api_key, session):
    [created] = client.post("/open311/v2/requests.json",
                            data=request_form(city, api_key)).get_json()
    session.rollback()
    submitted_by_api = session.get(type(every_status.cases["submitted"]),
                                   int(created["service_request_id"]))
    private = {stage: every_status.citizens[stage].values() for stage in STAGES}
    private["open311"] = [*OPEN311_CITIZEN, submitted_by_api.tracking_code]
    case_ids = [c.id for c in every_status.cases.values()] + [submitted_by_api.id]

    seen = {}
    for url in public_urls(city, case_ids, created["token"]):
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = response.get_data(as_text=True)

    for url, body in seen.items():
        for stage, values in private.items():
            leaked = [v for v in values if v in body]
            assert leaked == [], (url, stage, leaked)
    # The crawl did see every case, and the published one with its redacted public copy.
    listing = seen["/open311/v2/requests.json"]
    assert all(f'"service_request_id": "{i}"' in listing for i in case_ids)
    assert every_status.published_address in listing
    assert "139****5678" in listing  # the published reply, masked
    assert "幸福里小区*幢*单元***室" in seen["/api/wall.csv"]


def test_a_withdrawn_publication_is_no_longer_open_data(client, every_status):
    withdrawn = every_status.cases["withdrawn"].publication.id
    published = every_status.cases["published"].publication.id

    listed = [r["id"] for r in client.get("/api/wall.json").get_json()["results"]]
    csv_ids = [line.split(",")[0] for line in
               client.get("/api/wall.csv").get_data(as_text=True).splitlines()[1:]]

    assert listed == [published] and csv_ids == [str(published)]
    assert withdrawn not in listed
