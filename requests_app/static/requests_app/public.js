/* Progressive enhancement of the public on-request disclosure pages; every page works without it. */
(function () {
  "use strict";

  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });

  // After a failed submission, take keyboard and screen-reader users to the list of problems.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // The confirmation page: a print button (without JavaScript, the browser's own print command).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  var form = document.querySelector("form.apply-form");
  if (!form) { return; }

  // Show only the fieldset of the chosen applicant type; both are there for browsers without scripts.
  var kinds = form.querySelectorAll('input[name="applicant_kind"]');
  var fieldsets = form.querySelectorAll("[data-applicant-kind]");
  function showChosenKind() {
    var chosen = form.querySelector('input[name="applicant_kind"]:checked');
    fieldsets.forEach(function (fieldset) {
      fieldset.hidden = !chosen || fieldset.getAttribute("data-applicant-kind") !== chosen.value;
    });
  }
  kinds.forEach(function (radio) { radio.addEventListener("change", showChosenKind); });
  showChosenKind();

  // The guide link follows the chosen organization.
  var select = form.querySelector("#id_organization");
  var slot = document.getElementById("org-guide");
  var data = document.getElementById("guide-urls");
  if (select && slot && data) {
    var guides = JSON.parse(data.textContent);
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var url = guides[select.value];
      var link = document.createElement("a");
      if (url) {
        link.href = url;
        link.textContent = "阅读" + option.textContent.trim() + "的政府信息公开指南";
      } else {
        link.href = slot.getAttribute("data-index-url");
        link.textContent = slot.getAttribute("data-index-text");
      }
      slot.replaceChildren(link);
    });
  }
})();
