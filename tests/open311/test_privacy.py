"""No personal field of any case, in any status, reaches any Open311 or open-data answer,
as JSON, XML or CSV (docs/security.md A22), whether the caller has no key or submitted the case:
names, phones, e-mail addresses, tracking codes, places that were not published,
coordinates, media links."""

from __future__ import annotations

from portal.cases.models import Case
from portal.open311.formats import FORMATS
from tests.helpers.open311 import STAGES, request_form

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


def test_no_answer_carries_personal_data_of_a_case_in_any_status(
        client, city, every_status, every_status_by_client, session):
    api_key = every_status_by_client.api_key
    [created] = client.post("/open311/v2/requests.json",
                            data=request_form(city, api_key)).get_json()
    session.rollback()
    submitted_by_api = session.get(Case, int(created["service_request_id"]))
    private = {f"letter {stage}": every_status.citizens[stage].values() for stage in STAGES}
    private |= {f"request {stage}": every_status_by_client.citizens[stage].values()
                for stage in STAGES}
    private["open311"] = [*OPEN311_CITIZEN, submitted_by_api.tracking_code]
    cases = [*every_status.cases.values(), *every_status_by_client.cases.values(),
             submitted_by_api]

    seen = {}
    for caller, key in (("anyone", ""), ("the client", f"api_key={api_key}")):
        for url in public_urls(city, [c.id for c in cases], created["token"]):
            response = client.get(f"{url}{'&' if '?' in url else '?'}{key}" if key else url)
            assert response.status_code in (200, 404), url  # 404: a case not theirs to see
            seen[caller, url] = response.get_data(as_text=True)

    for (caller, url), body in seen.items():
        for stage, values in private.items():
            leaked = [v for v in values if v in body]
            assert leaked == [], (caller, url, stage, leaked)
    # The crawl did see every request of the client, and the published letter with its
    # redacted public copy.
    listing = seen["the client", "/open311/v2/requests.json"]
    published = every_status.cases["published"]
    for case in [*every_status_by_client.cases.values(), submitted_by_api, published]:
        assert f'"service_request_id": "{case.id}"' in listing
    assert f'"service_request_id": "{published.id}"' in seen["anyone", "/open311/v2/requests.json"]
    assert every_status.published_address in listing
    assert "139****5678" in listing  # the published reply, masked
    assert "幸福里小区*幢*单元***室" in seen["anyone", "/api/wall.csv"]


def test_a_withdrawn_publication_is_no_longer_open_data(client, every_status):
    withdrawn = every_status.cases["withdrawn"].publication.id
    published = every_status.cases["published"].publication.id

    listed = [r["id"] for r in client.get("/api/wall.json").get_json()["results"]]
    csv_ids = [line.split(",")[0] for line in
               client.get("/api/wall.csv").get_data(as_text=True).splitlines()[1:]]

    assert listed == [published] and csv_ids == [str(published)]
    assert withdrawn not in listed
