"""Error pages are in Chinese, look like the site, and bad input never gives a 500."""

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/articles/99999999/",
        "/articles/abc/",
        "/articles/1/%3Cscript%3E/",
        "/issues/2019-13-45/",
        "/issues/99999-01-01/",
        "/issues/2019-02-29/",
        "/?page=abc",
        "/?page=99999999999999999999999",
        "/issues/?year=%00",
        "/commentators/99999999999999999999999/",
        "/tags/%E4%B8%8D%E5%AD%98%E5%9C%A8/",
        "/clusters/%E4%B8%AD%E6%96%87/",
        "/feeds/clusters/%E4%B8%AD%E6%96%87/",
        "/no-such-page/",
    ],
)
def test_bad_addresses_are_404_pages_in_chinese(client, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert 'class="masthead-name"' in html and "衡阳日报" in html


def test_500_page_is_in_chinese_and_needs_no_database(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务器出错了" in html and "衡阳日报" in html and "site.css" in html


def test_pages_refuse_writes(client, db):
    assert client.post("/").status_code == 405
    assert client.post("/issues/").status_code == 405
