from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from articles.models import Article, Commentator, Contributor, page_number_validator
from clusters.models import Cluster
from search.engine import Filters
from search.query import QueryError, parse_query

SORT_CHOICES = [("", "相关度"), ("-date", "日期（新→旧）"), ("date", "日期（旧→新）")]

# A NUL character (%00) can't be in any name or text of the archive, and PostgreSQL refuses it in
# a query: a value holding one is refused before it reaches the database.
NUL_MESSAGE = "检索条件里有不可见的空字符（%%00），无法检索；请删去后再试。"
_no_nul = ProhibitNullCharactersValidator(message=NUL_MESSAGE)

# Names are short; a longer value is no name and need not be looked up.
MAX_NAME_LENGTH = 100


def _name_value(value) -> str:
    value = str(value)
    _no_nul(value)
    return value.strip()


class _ByPkOrName(forms.ModelChoiceField):
    """Accepts the id (what facet links send) or the exact name (what people type)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = _name_value(value)
        if value.isdigit() and len(value) < 19:  # a bigint; longer digit strings are no id
            return super().to_python(value)
        if len(value) > MAX_NAME_LENGTH:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        try:
            return self.queryset.get(name=value)
        except (self.queryset.model.DoesNotExist, ValueError) as e:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from e


class _ClusterField(forms.ModelChoiceField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = _name_value(value)
        cluster = None
        if len(value) <= MAX_NAME_LENGTH:
            cluster = Cluster.objects.filter(slug=value).first() or Cluster.objects.filter(name=value).first()
        if cluster is None:
            raise forms.ValidationError("没有这个产业集群。", code="invalid_choice")
        return cluster


class _Text(forms.CharField):
    """A text field whose refusal of NUL says so in Chinese."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        self.validators.append(_no_nul)


class SearchForm(forms.Form):
    """The search parameters. ``status_filter``: whether the person may filter by status (those
    who may see unpublished articles, articles.selectors.may_see_unpublished); for others a
    ``status`` parameter is ignored."""

    q = _Text(label="检索词", required=False, strip=False)
    from_ = forms.DateField(label="起始日期", required=False)
    to = forms.DateField(label="截止日期", required=False)
    issue = forms.DateField(label="报纸日期", required=False, help_text="某一期报纸")
    page = _Text(label="版次", required=False, max_length=4, validators=[page_number_validator])
    cluster = _ClusterField(
        label="产业集群",
        queryset=Cluster.objects.all(),
        required=False,
        empty_label="全部集群",
        to_field_name="slug",
    )
    commentator = _ByPkOrName(
        label="代表委员",
        queryset=Commentator.objects.all(),
        required=False,
        error_messages={"invalid_choice": "没有这位代表委员。"},
    )
    contributor = _ByPkOrName(
        label="采编人员",
        queryset=Contributor.objects.all(),
        required=False,
        error_messages={"invalid_choice": "没有这位采编人员。"},
    )
    tag = _Text(label="标签", required=False, max_length=100)
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部状态"), *Article.Status.choices],
    )
    sort = forms.ChoiceField(label="排序", required=False, choices=SORT_CHOICES)
    p = forms.IntegerField(label="页码", required=False, min_value=1, max_value=10_000)

    def __init__(self, data=None, *, status_filter=False, **kwargs):
        data = data.copy() if data is not None else None
        if data is not None and "from" in data:
            data["from_"] = data.get("from")
        super().__init__(data, **kwargs)
        self.status_filter = status_filter
        self.fields["from_"].widget.attrs["type"] = "date"
        self.fields["to"].widget.attrs["type"] = "date"
        self.fields["issue"].widget.attrs["type"] = "date"
        self.fields["q"].widget.attrs.update({"maxlength": "200", "type": "search", "placeholder": "输入要查找的字词"})
        if not status_filter:
            del self.fields["status"]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"search-{name}")

    def clean_q(self):
        raw = self.cleaned_data.get("q") or ""
        try:
            self.parsed = parse_query(raw)
        except QueryError as e:
            raise forms.ValidationError(str(e), code="query") from e
        return raw

    def clean_page(self):
        return (self.cleaned_data.get("page") or "").strip().upper()

    def clean_tag(self):
        return (self.cleaned_data.get("tag") or "").strip()

    def clean(self):
        data = super().clean()
        start, end = data.get("from_"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError("起始日期不能晚于截止日期。", code="date_range")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            date_from=data.get("from_"),
            date_to=data.get("to"),
            issue=data.get("issue"),
            page=data.get("page", ""),
            cluster=data.get("cluster"),
            commentator=data.get("commentator"),
            contributor=data.get("contributor"),
            tag=data.get("tag", ""),
            status=data.get("status", "") if self.status_filter else "",
        )
