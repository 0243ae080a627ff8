"""The photo upload form: what is saved is the clean master, never the uploaded bytes."""

from django import forms
from django.core.exceptions import ValidationError

from articles.models import Article, Photo, article_limit
from articles.photos.images import ACCEPT_ATTRIBUTE, clean_image, max_pixels, max_upload_bytes, megabytes, megapixels


class PhotoUploadField(forms.ImageField):
    """An image field whose value is the clean master, never the uploaded bytes."""

    default_validators = []  # the content decides, not the file name's extension

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if not widget.is_hidden:
            attrs["accept"] = ACCEPT_ATTRIBUTE
        return attrs

    def to_python(self, data):
        # FileField's checks (a file was sent, it has a name) but not ImageField's: clean_image()
        # is stricter and says what is wrong in Chinese.
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        return clean_image(upload).as_upload()


class PhotoForm(forms.ModelForm):
    image = PhotoUploadField(
        label="图片",
        help_text=(
            f"JPEG、PNG、WebP 或 GIF，不超过 {megabytes(max_upload_bytes())}、{megapixels(max_pixels())}。"
            "上传后自动转正方向，并去掉拍摄地点（GPS）、相机序列号等全部元数据。"
        ),
    )

    class Meta:
        model = Photo
        fields = ["image", "is_lead", "position", "caption", "alt_text", "photographer", "credit_role"]
        error_messages = {
            "alt_text": {"required": "请填写替代文字：用一句话描述画面内容，供视障读者的读屏软件朗读。"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Most images are photographs: a form that does not say otherwise credits 摄影.
        if "credit_role" in self.fields:
            self.fields["credit_role"].required = False

    def clean_credit_role(self):
        return self.cleaned_data.get("credit_role") or "摄影"

    def save(self, commit=True):
        # A new version with every change, wherever it is saved (the article's inline or the
        # library), so a photo form opened before it refuses to overwrite it.
        if self.instance.pk is not None and self.has_changed():
            self.instance.version += 1
        return super().save(commit)


class PhotoLibraryForm(PhotoForm):
    """A photo on its own (the 图片 admin): it may be attached to an article, and carries the
    version it was opened at, so of two people saving the same photo the second is refused
    instead of overwriting the first (as the article form does).

    Its clean() locks the rows it depends on — the articles it leaves and joins first, then the
    photo, the order the article form uses too — and checks, on what is saved now: the version,
    one lead photo (题图) per article, and the number of photos an article may hold.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta(PhotoForm.Meta):
        fields = ["article", *PhotoForm.Meta.fields]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.article_before = self.instance.article_id
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        article = cleaned.get("article") if "article" in self.fields else self.instance.article
        article_ids = sorted({i for i in (self.article_before, getattr(article, "pk", None)) if i is not None})
        list(Article.objects.select_for_update().filter(pk__in=article_ids).order_by("pk").values_list("pk"))
        if self.instance.pk:
            # Without the default ordering, which joins the article (PostgreSQL locks no outer join).
            current = Photo.objects.select_for_update().filter(pk=self.instance.pk).order_by("pk").first()
            if current is None or current.version != cleaned.get("expected_version"):
                version = current.version if current else 0
                data = self.data.copy()
                data[self.add_prefix("expected_version")] = str(version)
                self.data = data
                raise ValidationError(
                    f"保存失败：在您打开这张图片之后，其他人修改了它（现为第{version}版）。"
                    "为免覆盖对方的修改，您这次的内容没有保存；请对照最新内容后再保存"
                    "（如更换了图片文件，需要重新选择）。",
                    code="conflict",
                )
        if article is not None:
            others = Photo.objects.filter(article=article).exclude(pk=self.instance.pk)
            if cleaned.get("is_lead") and others.filter(is_lead=True).exists():
                self.add_error("is_lead", "这篇稿件已经有一张题图；一篇稿件只能有一张题图，请先取消那张的“题图”。")
            limit = article_limit("ARTICLE_MAX_PHOTOS")
            if article.pk != self.article_before and others.count() >= limit:
                self.add_error("article", f"这篇稿件已有 {limit} 张图片，不能再添加。")
        return cleaned


class PhotoInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        leads = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("is_lead")
            and not form.cleaned_data.get("DELETE")
        ]
        if len(leads) > 1:
            raise ValidationError("一篇稿件只能有一张题图，请只勾选其中一张。", code="two_leads")
