// The e-paper page: #article-12 in the URL (the article page's "见第A04版" link) highlights every
// region of that article and the article in the list, and scrolls to the first one shown (the
// list on a phone, where the page image is hidden). Without JavaScript, :target in epaper.css
// highlights the first region. Hovering or focusing an article in the list outlines its regions.
(function () {
  "use strict";

  function marked(articleId) {
    return document.querySelectorAll('[data-article="' + articleId + '"]');
  }

  function highlight(scroll) {
    document.querySelectorAll(".is-target").forEach(function (node) {
      node.classList.remove("is-target");
    });
    var match = /^#article-(\d+)$/.exec(window.location.hash);
    if (!match) {
      return;
    }
    var nodes = Array.prototype.slice.call(marked(match[1]));
    nodes.forEach(function (node) {
      node.classList.add("is-target");
    });
    if (!scroll) {
      return;
    }
    var shown = nodes.filter(function (node) {
      return node.getClientRects().length > 0;
    })[0];
    if (shown) {
      shown.scrollIntoView({ block: "center" });
    }
  }

  function outline(event, on) {
    var item = event.target.closest(".epaper-list li[data-article]");
    if (!item) {
      return;
    }
    document.querySelectorAll('.region[data-article="' + item.dataset.article + '"]').forEach(function (node) {
      node.classList.toggle("is-hover", on);
    });
  }

  var list = document.querySelector(".epaper-list");
  if (list) {
    list.addEventListener("mouseover", function (event) { outline(event, true); });
    list.addEventListener("mouseout", function (event) { outline(event, false); });
    list.addEventListener("focusin", function (event) { outline(event, true); });
    list.addEventListener("focusout", function (event) { outline(event, false); });
  }
  window.addEventListener("hashchange", function () { highlight(true); });
  highlight(true);
})();
