/* The e-paper's region editor (admin: 版面 → 版面区域).
 *
 * Regions are outlines on the page image in coordinates relative to the page (0..1), drawn on an
 * SVG laid over the image. Mouse: drag on the page to draw a rectangle, drag a region to move it,
 * drag a corner to move that corner. Keyboard: "添加区域" makes a rectangle; arrow keys move the
 * focused region or corner (Shift: ten times as far); the panel's fields set a region's position
 * and size in per cent, its buttons nudge it. Each region picks its article through the admin's
 * autocomplete endpoint, shows the text read from the page's PDF and can become a draft article.
 * "保存区域" sends all regions at once; the server checks everything again.
 *
 * Plain JavaScript with no inline script or style (the site's Content-Security-Policy): positions
 * are SVG attributes, the data comes from a JSON block and data- attributes.
 */
(function () {
  "use strict";

  var editor = document.getElementById("region-editor");
  if (!editor) return;

  var svg = document.getElementById("region-svg");
  var list = document.getElementById("region-list");
  var status = document.getElementById("region-status");
  var form = document.getElementById("region-form");
  var field = document.getElementById("region-field");
  var addButton = document.getElementById("region-add");
  var draftForm = document.getElementById("region-draft-form");
  var canChange = editor.dataset.canChange === "1";
  var canDraft = editor.dataset.canDraft === "1";
  var hasPdf = editor.dataset.hasPdf === "1";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var viewBox = svg.viewBox.baseVal;
  var STEP = 0.005;
  var MIN_SIZE = 0.01;

  var regions = JSON.parse(document.getElementById("region-data").textContent || "[]");
  var selected = regions.length ? 0 : -1;
  var nextKey = 1;
  regions.forEach(function (region) { region.key = nextKey++; });

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function say(message) {
    status.textContent = message;
  }

  function round(value) {
    return Math.round(value * 10000) / 10000;
  }

  function clamp(value) {
    return Math.min(1, Math.max(0, value));
  }

  function bounds(polygon) {
    var xs = polygon.map(function (p) { return p[0]; });
    var ys = polygon.map(function (p) { return p[1]; });
    var left = Math.min.apply(null, xs), top = Math.min.apply(null, ys);
    return { left: left, top: top, width: Math.max.apply(null, xs) - left, height: Math.max.apply(null, ys) - top };
  }

  function rectangle(left, top, width, height) {
    return [[left, top], [left + width, top], [left + width, top + height], [left, top + height]].map(function (p) {
      return [round(p[0]), round(p[1])];
    });
  }

  function label(index) {
    var region = regions[index];
    return "区域 " + (index + 1) + (region.article ? "：" + region.article.title : "（未选稿件）");
  }

  // --- moving and resizing --------------------------------------------------------------------

  function moveRegion(index, dx, dy) {
    var polygon = regions[index].polygon;
    var box = bounds(polygon);
    dx = Math.min(Math.max(dx, -box.left), 1 - box.left - box.width);
    dy = Math.min(Math.max(dy, -box.top), 1 - box.top - box.height);
    regions[index].polygon = polygon.map(function (p) { return [round(p[0] + dx), round(p[1] + dy)]; });
  }

  function moveCorner(index, corner, x, y) {
    regions[index].polygon[corner] = [round(clamp(x)), round(clamp(y))];
  }

  function setBounds(index, left, top, width, height) {
    // The outline is scaled into the new box, so a polygon keeps its shape.
    var polygon = regions[index].polygon;
    var box = bounds(polygon);
    width = Math.max(MIN_SIZE, Math.min(width, 1));
    height = Math.max(MIN_SIZE, Math.min(height, 1));
    left = Math.min(Math.max(left, 0), 1 - width);
    top = Math.min(Math.max(top, 0), 1 - height);
    regions[index].polygon = polygon.map(function (p) {
      var fx = box.width ? (p[0] - box.left) / box.width : 0;
      var fy = box.height ? (p[1] - box.top) / box.height : 0;
      return [round(left + fx * width), round(top + fy * height)];
    });
  }

  // --- the drawing ----------------------------------------------------------------------------

  function points(polygon) {
    return polygon.map(function (p) { return (p[0] * viewBox.width).toFixed(1) + "," + (p[1] * viewBox.height).toFixed(1); }).join(" ");
  }

  function svgElement(name, attributes) {
    var element = document.createElementNS(SVG_NS, name);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    return element;
  }

  var HANDLE = 14;

  function drawShape(index) {
    var group = svg.querySelector("[data-region='" + regions[index].key + "']");
    if (!group) return;
    group.querySelector("polygon").setAttribute("points", points(regions[index].polygon));
    var box = bounds(regions[index].polygon);
    var number = group.querySelector("text");
    number.setAttribute("x", (box.left * viewBox.width + 6).toFixed(1));
    number.setAttribute("y", (box.top * viewBox.height + 22).toFixed(1));
    Array.prototype.forEach.call(group.querySelectorAll(".region-handle"), function (handle) {
      var p = regions[index].polygon[Number(handle.dataset.corner)];
      handle.setAttribute("x", (p[0] * viewBox.width - HANDLE / 2).toFixed(1));
      handle.setAttribute("y", (p[1] * viewBox.height - HANDLE / 2).toFixed(1));
    });
  }

  function drawAll(focus) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    regions.forEach(function (region, index) {
      var group = svgElement("g", { "data-region": region.key, "class": "region" + (index === selected ? " region-selected" : "") + (region.article ? "" : " region-unassigned") });
      var shape = svgElement("polygon", { "class": "region-shape", tabindex: "0", role: "button", "aria-label": label(index), "data-index": index });
      var number = svgElement("text", { "class": "region-number", "aria-hidden": "true" });
      number.textContent = String(index + 1);
      group.appendChild(shape);
      group.appendChild(number);
      if (canChange && index === selected) {
        region.polygon.forEach(function (point, corner) {
          group.appendChild(svgElement("rect", {
            "class": "region-handle", tabindex: "0", role: "button", width: HANDLE, height: HANDLE,
            "data-index": index, "data-corner": corner,
            "aria-label": "区域 " + (index + 1) + " 的第 " + (corner + 1) + " 个角（方向键移动）"
          }));
        });
      }
      svg.appendChild(group);
      drawShape(index);
    });
    if (focus) {
      var target = svg.querySelector(focus);
      if (target) target.focus();
    }
  }

  // --- the panel ------------------------------------------------------------------------------

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "className") node.className = attributes[key];
      else node.setAttribute(key, attributes[key]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function numberField(index, name, text, value) {
    var id = "region-" + regions[index].key + "-" + name;
    var wrapper = element("span", { className: "region-field" });
    wrapper.appendChild(element("label", { "for": id }, text));
    var input = element("input", { type: "number", id: id, min: "0", max: "100", step: "0.1", "data-field": name, "data-index": index });
    input.value = (value * 100).toFixed(1);
    if (!canChange) input.disabled = true;
    wrapper.appendChild(input);
    return wrapper;
  }

  function textPanel(index) {
    var region = regions[index];
    var panel = element("div", { className: "region-text", id: "region-" + region.key + "-text" });
    panel.appendChild(element("h4", {}, "PDF 中读出的文字"));
    if (!hasPdf) {
      panel.appendChild(element("p", { className: "help" }, "这个版面没有 PDF（或只有图片），读不出文字。"));
    } else if (!region.text) {
      panel.appendChild(element("p", { className: "help" }, "正在读取…"));
    } else if (!region.text.title) {
      panel.appendChild(element("p", { className: "help" }, "区域里没有文字（扫描的版面没有文字层，或区域没有框住文字）。"));
    } else {
      var lines = element("dl", { className: "region-text-parts" });
      [["引题", region.text.kicker], ["主题", region.text.title], ["副题", region.text.subtitle]].forEach(function (part) {
        if (!part[1]) return;
        lines.appendChild(element("dt", {}, part[0]));
        lines.appendChild(element("dd", {}, part[1]));
      });
      panel.appendChild(lines);
      if (!region.text.title_from_size) {
        panel.appendChild(element("p", { className: "help" }, "字号看不出标题，暂以第一行为主题。"));
      }
      region.text.paragraphs.forEach(function (paragraph) {
        panel.appendChild(element("p", { className: "region-text-paragraph" }, paragraph));
      });
      if (canDraft) {
        var draft = element("button", { type: "button", className: "button", "data-action": "draft", "data-index": index }, "用这段文字生成草稿");
        panel.appendChild(draft);
      }
    }
    return panel;
  }

  function renderList(focusId) {
    while (list.firstChild) list.removeChild(list.firstChild);
    regions.forEach(function (region, index) {
      var item = element("li", { className: "region-item" + (index === selected ? " region-item-selected" : ""), "data-index": index });
      var heading = element("h3", {});
      var pick = element("button", { type: "button", className: "region-pick", "data-action": "select", "data-index": index, "aria-pressed": index === selected ? "true" : "false" }, "区域 " + (index + 1));
      heading.appendChild(pick);
      item.appendChild(heading);

      var article = element("p", { className: "region-article" });
      if (region.article) {
        article.appendChild(document.createTextNode("稿件："));
        var link = element("a", { href: editor.dataset.articleUrl.replace("/0/", "/" + region.article.id + "/") }, region.article.title);
        article.appendChild(link);
      } else {
        article.appendChild(element("strong", {}, "尚未选稿件"));
      }
      item.appendChild(article);

      if (canChange) {
        var searchId = "region-" + region.key + "-search";
        var search = element("p", { className: "region-search" });
        search.appendChild(element("label", { "for": searchId }, region.article ? "换一篇稿件：" : "查找稿件："));
        search.appendChild(element("input", { type: "search", id: searchId, "data-action": "search", "data-index": index, autocomplete: "off", placeholder: "输入标题中的字", "aria-controls": searchId + "-results" }));
        item.appendChild(search);
        item.appendChild(element("ul", { className: "region-results", id: searchId + "-results", "aria-label": "找到的稿件" }));
      }

      var box = bounds(region.polygon);
      var fields = element("fieldset", { className: "region-geometry" });
      fields.appendChild(element("legend", {}, "位置和大小（占版面的百分比）"));
      fields.appendChild(numberField(index, "left", "左", box.left));
      fields.appendChild(numberField(index, "top", "上", box.top));
      fields.appendChild(numberField(index, "width", "宽", box.width));
      fields.appendChild(numberField(index, "height", "高", box.height));
      item.appendChild(fields);

      if (canChange) {
        var tools = element("p", { className: "region-tools" });
        [["left", "←", "左移"], ["up", "↑", "上移"], ["down", "↓", "下移"], ["right", "→", "右移"], ["grow", "＋", "放大"], ["shrink", "－", "缩小"]].forEach(function (tool) {
          tools.appendChild(element("button", { type: "button", className: "button region-nudge", "data-action": tool[0], "data-index": index, "aria-label": "区域 " + (index + 1) + " " + tool[2], title: tool[2] }, tool[1]));
        });
        tools.appendChild(element("button", { type: "button", className: "button region-delete", "data-action": "delete", "data-index": index }, "删除区域 " + (index + 1)));
        item.appendChild(tools);
      }
      item.appendChild(textPanel(index));
      list.appendChild(item);
    });
    if (!regions.length) {
      list.appendChild(element("li", { className: "region-empty" }, canChange ? "本版还没有区域。在版面图上拖动鼠标，或按“添加区域”。" : "本版还没有区域。"));
    }
    if (focusId) {
      var target = document.getElementById(focusId);
      if (target) target.focus();
    }
  }

  function updateFields(index) {
    var box = bounds(regions[index].polygon);
    ["left", "top", "width", "height"].forEach(function (name) {
      var input = document.getElementById("region-" + regions[index].key + "-" + name);
      if (input && document.activeElement !== input) input.value = (box[name] * 100).toFixed(1);
    });
  }

  function geometryChanged(index) {
    drawShape(index);
    updateFields(index);
    readTextSoon(index);
  }

  // --- text from the PDF ----------------------------------------------------------------------

  var textTimers = {};

  function readTextSoon(index) {
    if (!hasPdf) return;
    var region = regions[index];
    clearTimeout(textTimers[region.key]);
    textTimers[region.key] = setTimeout(function () { readText(region); }, 400);
  }

  function readText(region) {
    var body = new FormData();
    body.append("polygon", JSON.stringify(region.polygon));
    body.append("csrfmiddlewaretoken", csrfToken());
    fetch(editor.dataset.textUrl, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var index = regions.indexOf(region);
        if (index < 0) return;
        region.text = data.text || { title: "", paragraphs: [] };
        var old = document.getElementById("region-" + region.key + "-text");
        if (old) old.replaceWith(textPanel(index));
      })
      .catch(function () { say("读取文字失败，请稍后再试。"); });
  }

  // --- article search (the admin's autocomplete endpoint) --------------------------------------

  var searchTimer = null;

  function search(input) {
    var index = Number(input.dataset.index);
    var results = document.getElementById(input.id + "-results");
    var term = input.value.trim();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      if (!term) {
        while (results.firstChild) results.removeChild(results.firstChild);
        return;
      }
      fetch(editor.dataset.autocompleteUrl + "&term=" + encodeURIComponent(term), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          while (results.firstChild) results.removeChild(results.firstChild);
          data.results.slice(0, 10).forEach(function (result) {
            var li = element("li", {});
            li.appendChild(element("button", { type: "button", className: "region-result", "data-action": "choose", "data-index": index, "data-id": result.id, "data-title": result.text }, result.text));
            results.appendChild(li);
          });
          say(data.results.length ? "找到 " + data.results.length + " 篇稿件，按 Tab 到结果中选择。" : "没有找到稿件。");
        });
    }, 250);
  }

  // --- events ---------------------------------------------------------------------------------

  function select(index, focus) {
    selected = index;
    drawAll(focus);
    renderList();
  }

  function addRegion(polygon) {
    regions.push({ key: nextKey++, article: null, polygon: polygon, text: null });
    selected = regions.length - 1;
    drawAll();
    renderList();
    readTextSoon(selected);
    return regions[selected];
  }

  function deleteRegion(index) {
    regions.splice(index, 1);
    selected = regions.length ? Math.min(index, regions.length - 1) : -1;
    drawAll();
    renderList();
    say("区域已删除（保存后生效）。");
    (addButton || list).focus();
  }

  function position(event) {
    var rect = svg.getBoundingClientRect();
    return [clamp((event.clientX - rect.left) / rect.width), clamp((event.clientY - rect.top) / rect.height)];
  }

  var drag = null;

  if (canChange) {
    svg.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      var target = event.target;
      var start = position(event);
      if (target.classList.contains("region-handle")) {
        drag = { kind: "corner", index: Number(target.dataset.index), corner: Number(target.dataset.corner) };
      } else if (target.classList.contains("region-shape")) {
        var index = Number(target.dataset.index);
        if (index !== selected) select(index);
        drag = { kind: "move", index: index, last: start };
      } else {
        drag = { kind: "draw", start: start, region: null };
      }
      svg.setPointerCapture(event.pointerId);
      event.preventDefault();
    });

    svg.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var here = position(event);
      if (drag.kind === "corner") {
        moveCorner(drag.index, drag.corner, here[0], here[1]);
        drawShape(drag.index);
      } else if (drag.kind === "move") {
        moveRegion(drag.index, here[0] - drag.last[0], here[1] - drag.last[1]);
        drag.last = here;
        drawShape(drag.index);
      } else {
        var left = Math.min(drag.start[0], here[0]), top = Math.min(drag.start[1], here[1]);
        var polygon = rectangle(left, top, Math.abs(here[0] - drag.start[0]), Math.abs(here[1] - drag.start[1]));
        if (!drag.region) {
          if (Math.abs(here[0] - drag.start[0]) < MIN_SIZE / 2 && Math.abs(here[1] - drag.start[1]) < MIN_SIZE / 2) return;
          drag.region = addRegion(polygon);
        } else {
          drag.region.polygon = polygon;
          drawShape(regions.indexOf(drag.region));
        }
      }
    });

    svg.addEventListener("pointerup", function () {
      if (!drag) return;
      var done = drag;
      drag = null;
      if (done.kind === "draw") {
        if (!done.region) return;
        var index = regions.indexOf(done.region);
        var box = bounds(done.region.polygon);
        if (box.width < MIN_SIZE || box.height < MIN_SIZE) {
          deleteRegion(index);
          return;
        }
        drawAll();
        geometryChanged(index);
        say("已画出区域 " + (index + 1) + "，请为它选稿件。");
        var input = document.getElementById("region-" + done.region.key + "-search");
        if (input) input.focus();
      } else {
        geometryChanged(done.index);
      }
    });
  }

  svg.addEventListener("keydown", function (event) {
    var target = event.target;
    var index = Number(target.dataset.index);
    if (isNaN(index)) return;
    if ((event.key === "Enter" || event.key === " ") && target.classList.contains("region-shape")) {
      event.preventDefault();
      select(index, ".region-shape[data-index='" + index + "']");
      return;
    }
    if (!canChange) return;
    var moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    var move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    var step = event.shiftKey ? STEP * 10 : STEP;
    if (target.classList.contains("region-handle")) {
      var corner = Number(target.dataset.corner);
      var p = regions[index].polygon[corner];
      moveCorner(index, corner, p[0] + move[0] * step, p[1] + move[1] * step);
    } else {
      if (index !== selected) select(index, ".region-shape[data-index='" + index + "']");
      moveRegion(index, move[0] * step, move[1] * step);
    }
    geometryChanged(index);
  });

  svg.addEventListener("focusin", function (event) {
    var index = Number(event.target.dataset.index);
    if (!isNaN(index)) say(label(index));
  });

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var index = Number(button.dataset.index);
    var region = regions[index];
    var action = button.dataset.action;
    var box = bounds(region.polygon);
    if (action === "select") {
      select(index);
      var pick = list.querySelector("button[data-action=select][data-index='" + index + "']");
      if (pick) pick.focus();
      return;
    }
    if (action === "delete") {
      deleteRegion(index);
      return;
    }
    if (action === "choose") {
      region.article = { id: Number(button.dataset.id), title: button.dataset.title };
      selected = index;
      drawAll();
      renderList("region-" + region.key + "-search");
      say("区域 " + (index + 1) + " 已选稿件《" + region.article.title + "》。");
      return;
    }
    if (action === "draft") {
      document.getElementById("region-draft-polygon").value = JSON.stringify(region.polygon);
      draftForm.submit();
      return;
    }
    var d = STEP * 2;
    if (action === "left") moveRegion(index, -d, 0);
    else if (action === "right") moveRegion(index, d, 0);
    else if (action === "up") moveRegion(index, 0, -d);
    else if (action === "down") moveRegion(index, 0, d);
    else if (action === "grow") setBounds(index, box.left - d, box.top - d, box.width + 2 * d, box.height + 2 * d);
    else if (action === "shrink") setBounds(index, box.left + d, box.top + d, box.width - 2 * d, box.height - 2 * d);
    if (index !== selected) {
      selected = index;
      drawAll();
    }
    geometryChanged(index);
  });

  list.addEventListener("input", function (event) {
    if (event.target.dataset.action === "search") search(event.target);
  });

  list.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.dataset.field) return;
    var index = Number(input.dataset.index);
    var box = bounds(regions[index].polygon);
    var value = parseFloat(input.value);
    if (isNaN(value)) return;
    box[input.dataset.field] = value / 100;
    setBounds(index, box.left, box.top, box.width, box.height);
    geometryChanged(index);
  });

  if (addButton) {
    addButton.addEventListener("click", function () {
      var region = addRegion(rectangle(0.3, 0.3, 0.4, 0.2));
      say("已添加区域 " + regions.length + "，在版面正中；请选稿件，再用方向键或右侧的位置和大小调整它。");
      var input = document.getElementById("region-" + region.key + "-search");
      if (input) input.focus();
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      var missing = regions.findIndex(function (region) { return !region.article; });
      if (missing >= 0) {
        event.preventDefault();
        select(missing);
        say("区域 " + (missing + 1) + " 还没有选稿件，请先选稿件或删除这个区域。");
        var input = document.getElementById("region-" + regions[missing].key + "-search");
        if (input) input.focus();
        return;
      }
      field.value = JSON.stringify(regions.map(function (region) {
        return { article: region.article.id, polygon: region.polygon };
      }));
    });
  }

  drawAll();
  renderList();
  regions.forEach(function (region, index) { if (hasPdf && !region.text) readTextSoon(index); });
})();
