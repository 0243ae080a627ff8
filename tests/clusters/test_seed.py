import pytest

from clusters.models import Cluster
from tests.factories import EIGHT_CLUSTERS


@pytest.mark.django_db
def test_the_eight_clusters_exist_in_order_after_migrate():
    assert list(Cluster.objects.values_list("name", flat=True)) == EIGHT_CLUSTERS


@pytest.mark.django_db
def test_each_cluster_has_a_stable_ascii_slug_and_a_summary():
    for cluster in Cluster.objects.all():
        assert cluster.slug.isascii() and cluster.slug
        assert cluster.summary
        assert cluster.get_absolute_url() == f"/clusters/{cluster.slug}/"


@pytest.mark.django_db
def test_long_names_have_a_short_name_and_aliases_recognise_mentions():
    camellia = Cluster.objects.get(name="油茶等农副产品种植加工")
    assert camellia.display_name == "油茶"
    assert "油茶" in camellia.names
    assert camellia.names[0] == "油茶等农副产品种植加工"  # longest first, so the full name wins
    rail = Cluster.objects.get(slug="rail-transit")
    assert "有轨电车" in rail.names
