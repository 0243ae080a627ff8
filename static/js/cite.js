// Adds a "复制" button next to the suggested citation. Without JavaScript the citation is a
// read-only text box that can be selected and copied by hand.
(function () {
  "use strict";
  var box = document.getElementById("citation-text");
  if (!box || !navigator.clipboard) {
    return;
  }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "copy-button";
  button.textContent = "复制引用";
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(box.value).then(
      function () { button.textContent = "已复制"; },
      function () { box.select(); }
    );
  });
  box.insertAdjacentElement("afterend", button);
})();
