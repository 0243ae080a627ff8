"""What a browser would submit from a page's form: every named field with its current value."""

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = form_id is None
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None

    def _add(self, name, value):
        if name and "__prefix__" not in name:
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(
                a.get("name"),
                a.get("value", "on" if kind in ("checkbox", "radio") else ""),
            )
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._add(self._textarea, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.form_id is not None:
            self.inside = False

    def handle_data(self, data):
        if self._textarea and "__prefix__" not in self._textarea:
            values = self.data[self._textarea]
            values[-1] += data.removeprefix("\n") if values[-1] == "" else data


def form_data(html: str, form_id: str | None = None) -> dict:
    parser = _FormParser(form_id)
    parser.feed(html)
    return {name: values if len(values) > 1 else values[0] for name, values in parser.data.items()}
