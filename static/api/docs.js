// The read API's docs page: reads the OpenAPI description and lists every operation with its
// parameters, its response fields and a form to try it. No library, nothing inline (the site's
// Content-Security-Policy allows only our own scripts and styles); text is set with
// textContent, never as HTML.
"use strict";

(function () {
  const root = document.getElementById("docs");
  if (!root) return;
  const tokenInput = document.getElementById("docs-token");
  const tokenForm = document.getElementById("docs-token-form");
  if (tokenForm) tokenForm.addEventListener("submit", (event) => event.preventDefault());

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  let spec = null;

  function resolve(schema) {
    let seen = 0;
    while (schema && schema.$ref && seen < 10) {
      const name = schema.$ref.split("/").pop();
      schema = (spec.components && spec.components.schemas && spec.components.schemas[name]) || {};
      seen += 1;
    }
    return schema || {};
  }

  function typeOf(schema) {
    schema = resolve(schema);
    if (schema.anyOf) return schema.anyOf.map(typeOf).filter((t) => t !== "null").join(" | ") || "null";
    if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
    if (schema.const !== undefined) return JSON.stringify(schema.const);
    if (schema.type === "array") return typeOf(schema.items || {}) + "[]";
    if (schema.title && schema.properties) return schema.title;
    return schema.format ? `${schema.type} (${schema.format})` : schema.type || "any";
  }

  // Paragraphs and "- " lists of the description, as text.
  function prose(text) {
    const box = el("div", { class: "docs-prose" });
    let list = null;
    for (const raw of (text || "").split("\n")) {
      const line = raw.trim();
      if (!line) {
        list = null;
        continue;
      }
      if (line.startsWith("- ")) {
        if (!list) box.append((list = el("ul")));
        list.append(el("li", { text: line.slice(2) }));
      } else if (list && raw.startsWith("  ")) {
        list.lastChild.append(" " + line);
      } else {
        list = null;
        box.append(el("p", { text: line }));
      }
    }
    return box;
  }

  function fieldsTable(schema) {
    schema = resolve(schema);
    const props = schema.properties || {};
    const required = new Set(schema.required || []);
    const rows = Object.entries(props).map(([name, prop]) =>
      el(
        "tr",
        {},
        el("td", {}, el("code", { text: name })),
        el("td", { text: typeOf(prop) + (required.has(name) ? "" : "（可选）") }),
        el("td", { text: prop.description || resolve(prop).description || "" })
      )
    );
    if (!rows.length) return null;
    return el(
      "table",
      { class: "docs-fields" },
      el("thead", {}, el("tr", {}, el("th", { text: "字段" }), el("th", { text: "类型" }), el("th", { text: "说明" }))),
      el("tbody", {}, ...rows)
    );
  }

  function responseFields(operation) {
    const ok = operation.responses && operation.responses["200"];
    const content = ok && ok.content && ok.content["application/json"];
    if (!content) return null;
    const schema = resolve(content.schema);
    const box = el("div", { class: "docs-response" }, el("h4", { text: "返回（200）" }));
    const top = fieldsTable(schema);
    if (top) box.append(top);
    // A list's items: the fields of each item.
    const items = schema.properties && schema.properties.items;
    if (items) {
      const variants = resolve(items.items || {}).anyOf || [items.items];
      for (const variant of variants) {
        const item = resolve(variant);
        const table = fieldsTable(item);
        if (table) box.append(el("h5", { text: `items 中的每一项：${item.title || ""}` }), table);
      }
    }
    return box;
  }

  function parameterRow(param, opId) {
    const schema = resolve(param.schema || {});
    const id = `${opId}-${param.in}-${param.name}`;
    let input;
    const values = schema.enum || (schema.anyOf || []).flatMap((s) => resolve(s).enum || []);
    if (values.length) {
      input = el("select", { id, "data-name": param.name, "data-in": param.in });
      input.append(el("option", { value: "", text: "（不填）" }));
      for (const value of values) input.append(el("option", { value, text: value }));
    } else if (schema.type === "boolean") {
      input = el("select", { id, "data-name": param.name, "data-in": param.in });
      for (const value of ["", "true", "false"]) input.append(el("option", { value, text: value || "（不填）" }));
    } else {
      input = el("input", {
        id,
        type: "text",
        "data-name": param.name,
        "data-in": param.in,
        placeholder: schema.default !== undefined ? `默认 ${schema.default}` : "",
        required: param.required,
      });
    }
    return el(
      "tr",
      {},
      el("td", {}, el("label", { for: id }, el("code", { text: param.name })), param.required ? " *" : ""),
      el("td", { text: typeOf(param.schema || {}) }),
      el("td", { text: param.description || schema.description || "" }),
      el("td", {}, input)
    );
  }

  function tryIt(path, operation, form, output) {
    let url = path;
    const query = new URLSearchParams();
    for (const input of form.querySelectorAll("[data-name]")) {
      const value = input.value.trim();
      if (input.dataset.in === "path") url = url.replace(`{${input.dataset.name}}`, encodeURIComponent(value));
      else if (value) query.append(input.dataset.name, value);
    }
    const full = url + (query.toString() ? `?${query}` : "");
    const headers = { Accept: "application/json" };
    const token = tokenInput && tokenInput.value.trim();
    if (token) headers.Authorization = `Bearer ${token}`;
    output.replaceChildren(el("p", { text: `GET ${full} ……` }));
    fetch(full, { headers, credentials: "omit" })
      .then(async (response) => {
        const text = await response.text();
        let body = text;
        try {
          body = JSON.stringify(JSON.parse(text), null, 2);
        } catch (error) {
          // not JSON: shown as it came
        }
        const shown = ["content-type", "etag", "last-modified", "cache-control", "retry-after", "link"]
          .filter((name) => response.headers.get(name))
          .map((name) => `${name}: ${response.headers.get(name)}`)
          .join("\n");
        output.replaceChildren(
          el("p", { class: "docs-status", text: `GET ${full} → ${response.status} ${response.statusText}` }),
          el("pre", { class: "docs-headers", text: shown }),
          el("pre", { class: "docs-body", text: body })
        );
      })
      .catch((error) => output.replaceChildren(el("p", { class: "docs-error", text: `请求失败：${error}` })));
  }

  function operationBlock(path, method, operation, index) {
    const opId = `op-${index}`;
    const block = el(
      "details",
      { class: "docs-operation", id: operation.operationId || opId },
      el(
        "summary",
        {},
        el("span", { class: "docs-method", text: method.toUpperCase() }),
        " ",
        el("code", { text: path }),
        " ",
        el("span", { class: "docs-summary", text: operation.summary || "" })
      )
    );
    block.append(prose(operation.description));
    const form = el("form", { class: "docs-try" });
    const params = operation.parameters || [];
    if (params.length) {
      form.append(
        el(
          "table",
          { class: "docs-params" },
          el(
            "thead",
            {},
            el("tr", {}, el("th", { text: "参数" }), el("th", { text: "类型" }), el("th", { text: "说明" }), el("th", { text: "值" }))
          ),
          el("tbody", {}, ...params.map((param) => parameterRow(param, opId)))
        )
      );
    }
    const output = el("div", { class: "docs-output", "aria-live": "polite" });
    form.append(el("button", { type: "submit", text: "发送请求" }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      tryIt(path, operation, form, output);
    });
    block.append(form, output);
    const fields = responseFields(operation);
    if (fields) block.append(fields);
    return block;
  }

  function render() {
    const info = spec.info || {};
    root.replaceChildren(prose(info.description));
    const groups = new Map();
    let index = 0;
    for (const [path, methods] of Object.entries(spec.paths || {})) {
      for (const [method, operation] of Object.entries(methods)) {
        const tag = (operation.tags && operation.tags[0]) || "其他";
        if (!groups.has(tag)) groups.set(tag, []);
        groups.get(tag).push(operationBlock(path, method, operation, index++));
      }
    }
    for (const [tag, blocks] of groups) {
      root.append(el("section", { class: "docs-group" }, el("h2", { text: tag }), ...blocks));
    }
  }

  fetch(root.dataset.openapiUrl, { headers: { Accept: "application/json" }, credentials: "omit" })
    .then((response) => response.json())
    .then((loaded) => {
      spec = loaded;
      render();
    })
    .catch((error) => root.replaceChildren(el("p", { class: "docs-error", text: `无法读取接口描述：${error}` })));
})();
