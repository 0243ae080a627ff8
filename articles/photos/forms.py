"""The photo upload form: what is saved is the clean master, never the uploaded bytes."""

from django import forms
from django.core.exceptions import ValidationError

from articles.models import Photo
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
        fields = ["image", "is_lead", "position", "caption", "alt_text", "photographer"]
        error_messages = {
            "alt_text": {"required": "请填写替代文字：用一句话描述画面内容，供视障读者的读屏软件朗读。"},
        }


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
