import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, Issue, Page, Photo, Section
from clusters.models import Milestone
from tests.factories import (
    ArticleFactory,
    CommentatorFactory,
    IssueFactory,
    PageFactory,
    SectionFactory,
    cluster,
    image_file,
)

pytestmark = pytest.mark.django_db


def test_a_second_issue_on_the_same_date_is_rejected():
    Issue.objects.create(date=datetime.date(2019, 1, 8))
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(date=datetime.date(2019, 1, 8))
    assert Issue.objects.count() == 1


def test_issue_numbers_are_unique_but_optional():
    Issue.objects.create(date=datetime.date(2019, 1, 8), number=12001)
    Issue.objects.create(date=datetime.date(2019, 1, 9))
    Issue.objects.create(date=datetime.date(2019, 1, 10))  # two issues without a number are fine
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(date=datetime.date(2019, 1, 11), number=12001)


def test_a_duplicate_page_number_in_one_issue_is_rejected_but_allowed_in_another():
    issue, other = IssueFactory(), IssueFactory()
    Page.objects.create(issue=issue, number="A04", name="两会特刊")
    Page.objects.create(issue=other, number="A04", name="要闻")
    with pytest.raises(IntegrityError), transaction.atomic():
        Page.objects.create(issue=issue, number="A04", name="要闻")


def test_page_number_format_is_validated_with_a_chinese_message():
    page = Page(issue=IssueFactory(), number="第四版")
    with pytest.raises(ValidationError) as excinfo:
        page.full_clean()
    assert "版次格式" in str(excinfo.value)


def test_sections_keep_their_order_and_a_position_is_used_once():
    article = ArticleFactory()
    SectionFactory(article=article, position=2, heading="第二部分")
    SectionFactory(article=article, position=1, heading="第一部分")
    assert [s.heading for s in article.sections.all()] == ["第一部分", "第二部分"]
    with pytest.raises(IntegrityError), transaction.atomic():
        SectionFactory(article=article, position=1)


def test_a_section_keeps_the_title_printed_at_the_time():
    person = CommentatorFactory(name="罗安宝", title="市人大代表")
    old = SectionFactory(commentator=person, commentator_title="市政协委员")
    person.refresh_from_db()
    assert old.commentator_title == "市政协委员"
    assert person.title == "市人大代表"
    assert person.body == "人大"


def test_a_published_article_needs_a_publication_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(title="无时间", status=Article.Status.PUBLISHED, published_at=None)


def test_only_one_lead_photo_per_article():
    article = ArticleFactory()
    lead = Photo.objects.create(article=article, image=image_file("a.jpg"), alt_text="一", is_lead=True)
    Photo.objects.create(article=article, image=image_file("b.jpg"), alt_text="二")
    assert (lead.width, lead.height) == (64, 48)
    with pytest.raises(IntegrityError), transaction.atomic():
        Photo.objects.create(article=article, image=image_file("c.jpg"), alt_text="三", is_lead=True)


def test_a_milestone_needs_a_cluster_or_a_project():
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.create(date=datetime.date(2018, 12, 26), text="无归属")


def test_visible_hides_drafts_review_future_and_withdrawn_and_shows_due_ones():
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    shown = {
        ArticleFactory(title="已发布", status=Article.Status.PUBLISHED, published_at=now - hour),
        ArticleFactory(title="定时已到", status=Article.Status.SCHEDULED, published_at=now - hour),
    }
    for title, status, when in [
        ("草稿", Article.Status.DRAFT, None),
        ("草稿有时间", Article.Status.DRAFT, now - hour),
        ("审核中", Article.Status.REVIEW, now - hour),
        ("定时未到", Article.Status.SCHEDULED, now + hour),
        ("发布时间在未来", Article.Status.PUBLISHED, now + hour),
        ("已撤稿", Article.Status.WITHDRAWN, now - hour),
    ]:
        ArticleFactory(title=title, status=status, published_at=when)
    assert set(Article.objects.visible()) == shown
    assert all(a.is_visible for a in shown)
    assert not Article.objects.get(title="定时未到").is_visible


def test_for_cluster_and_by_commentator():
    rail, metals = cluster("rail-transit"), cluster("nonferrous")
    on_rail = ArticleFactory(clusters=[rail])
    ArticleFactory(clusters=[metals])
    assert list(Article.objects.for_cluster(rail)) == [on_rail]

    person = CommentatorFactory(name="吴颖", title="市政协委员")
    spoke = ArticleFactory()
    SectionFactory(article=spoke, commentator=person)
    SectionFactory(article=spoke, commentator=person)  # twice in one article: still one row
    SectionFactory(commentator=CommentatorFactory(name="夏君山"))
    assert list(Article.objects.by_commentator(person)) == [spoke]


def test_on_date_finds_the_articles_of_an_issue():
    page = PageFactory(issue=IssueFactory(date=datetime.date(2019, 1, 8)))
    on_page = ArticleFactory(page=page)
    ArticleFactory()
    assert list(Article.objects.on_date(datetime.date(2019, 1, 8))) == [on_page]


def test_paragraph_helpers_split_on_blank_lines():
    article = ArticleFactory(lead="第一段。\r\n\r\n第二段。\n \n\n第三段。")
    assert article.lead_paragraphs == ["第一段。", "第二段。", "第三段。"]
    section = Section(body="### 小标题\n\n正文。")
    assert section.paragraphs == ["### 小标题", "正文。"]
