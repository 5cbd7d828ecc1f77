/*
 * Redaction screen: draw a box on a page image with the mouse (or pen, or finger) or the keyboard,
 * and add it through the page's own "添加删除框" form, which works without this script. Coordinates
 * are PDF points of the displayed page, origin top left, as the form expects.
 *
 * Keyboard, on a focused page image: Enter places a box, arrow keys move it, Shift+arrow keys resize
 * it, Enter again adds it, Escape cancels. Ctrl+Z (outside text fields) undoes the last change.
 */
(function () {
  "use strict";

  var STEP = 6; // points per key press
  var DEFAULT_SIZE = { width: 120, height: 24 };
  var MIN_DRAG_PIXELS = 4;

  var addForm = document.getElementById("redaction-add");
  if (!addForm) {
    return;
  }

  function field(name) {
    return addForm.querySelector('[name="add-' + name + '"]');
  }

  function round(value) {
    return Math.round(value * 100) / 100;
  }

  function clamp(value, low, high) {
    return Math.min(Math.max(value, low), high);
  }

  function submitBox(sheet, box) {
    field("page").value = sheet.dataset.page;
    field("x0").value = round(box.x0);
    field("y0").value = round(box.y0);
    field("x1").value = round(box.x1);
    field("y1").value = round(box.y1);
    if (addForm.requestSubmit) {
      addForm.requestSubmit();
    } else {
      addForm.submit();
    }
  }

  function announce(text) {
    var region = document.getElementById("redaction-live");
    if (!region) {
      region = document.createElement("p");
      region.id = "redaction-live";
      region.className = "redaction-visually-hidden";
      region.setAttribute("aria-live", "polite");
      document.getElementById("content-main").appendChild(region);
    }
    region.textContent = text;
  }

  function Sheet(element) {
    this.element = element;
    this.width = parseFloat(element.dataset.width);
    this.height = parseFloat(element.dataset.height);
    this.pending = null; // {x0, y0, x1, y1} in points
    this.outline = null;
  }

  Sheet.prototype.pointsPerPixel = function () {
    return this.width / this.element.getBoundingClientRect().width;
  };

  Sheet.prototype.toPoints = function (event) {
    var rect = this.element.getBoundingClientRect();
    return {
      x: clamp((event.clientX - rect.left) * (this.width / rect.width), 0, this.width),
      y: clamp((event.clientY - rect.top) * (this.height / rect.height), 0, this.height),
    };
  };

  Sheet.prototype.show = function () {
    if (!this.pending) {
      if (this.outline) {
        this.outline.remove();
        this.outline = null;
      }
      return;
    }
    if (!this.outline) {
      this.outline = document.createElement("div");
      this.outline.className = "redaction-pending";
      this.element.appendChild(this.outline);
    }
    var box = this.normalized();
    this.outline.style.left = (box.x0 / this.width) * 100 + "%";
    this.outline.style.top = (box.y0 / this.height) * 100 + "%";
    this.outline.style.width = ((box.x1 - box.x0) / this.width) * 100 + "%";
    this.outline.style.height = ((box.y1 - box.y0) / this.height) * 100 + "%";
  };

  Sheet.prototype.normalized = function () {
    var box = this.pending;
    return {
      x0: Math.min(box.x0, box.x1),
      y0: Math.min(box.y0, box.y1),
      x1: Math.max(box.x0, box.x1),
      y1: Math.max(box.y0, box.y1),
    };
  };

  Sheet.prototype.describe = function () {
    var box = this.normalized();
    announce(
      "删除框：左 " + Math.round(box.x0) + "，上 " + Math.round(box.y0) +
        "，宽 " + Math.round(box.x1 - box.x0) + "，高 " + Math.round(box.y1 - box.y0) +
        " 点。按回车键添加，Esc 取消。"
    );
  };

  // Mouse, pen and touch.
  Sheet.prototype.onPointerDown = function (event) {
    if (event.button !== 0) {
      return;
    }
    event.preventDefault();
    this.element.setPointerCapture(event.pointerId);
    var start = this.toPoints(event);
    this.start = { x: event.clientX, y: event.clientY };
    this.pending = { x0: start.x, y0: start.y, x1: start.x, y1: start.y };
    this.dragging = true;
    this.show();
  };

  Sheet.prototype.onPointerMove = function (event) {
    if (!this.dragging) {
      return;
    }
    var point = this.toPoints(event);
    this.pending.x1 = point.x;
    this.pending.y1 = point.y;
    this.show();
  };

  Sheet.prototype.onPointerUp = function (event) {
    if (!this.dragging) {
      return;
    }
    this.dragging = false;
    var moved = Math.max(Math.abs(event.clientX - this.start.x), Math.abs(event.clientY - this.start.y));
    if (moved < MIN_DRAG_PIXELS) {
      this.pending = null;
      this.show();
      return;
    }
    this.onPointerMove(event);
    submitBox(this.element, this.normalized());
  };

  // Keyboard.
  Sheet.prototype.onKeyDown = function (event) {
    var key = event.key;
    if (key === "Enter" || key === " ") {
      event.preventDefault();
      if (this.pending) {
        submitBox(this.element, this.normalized());
      } else {
        var width = Math.min(DEFAULT_SIZE.width, this.width);
        var height = Math.min(DEFAULT_SIZE.height, this.height);
        var x0 = (this.width - width) / 2;
        var y0 = (this.height - height) / 2;
        this.pending = { x0: x0, y0: y0, x1: x0 + width, y1: y0 + height };
        this.show();
        this.describe();
      }
      return;
    }
    if (key === "Escape" && this.pending) {
      event.preventDefault();
      this.pending = null;
      this.show();
      announce("已取消。");
      return;
    }
    var moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (!this.pending || !moves[key]) {
      return;
    }
    event.preventDefault();
    var dx = moves[key][0] * STEP;
    var dy = moves[key][1] * STEP;
    var box = this.normalized();
    if (event.shiftKey) {
      box.x1 = clamp(box.x1 + dx, box.x0 + 1, this.width);
      box.y1 = clamp(box.y1 + dy, box.y0 + 1, this.height);
    } else {
      dx = clamp(dx, -box.x0, this.width - box.x1);
      dy = clamp(dy, -box.y0, this.height - box.y1);
      box = { x0: box.x0 + dx, y0: box.y0 + dy, x1: box.x1 + dx, y1: box.y1 + dy };
    }
    this.pending = box;
    this.show();
    this.describe();
  };

  document.querySelectorAll(".redaction-sheet[data-editable]").forEach(function (element) {
    var sheet = new Sheet(element);
    element.addEventListener("pointerdown", sheet.onPointerDown.bind(sheet));
    element.addEventListener("pointermove", sheet.onPointerMove.bind(sheet));
    element.addEventListener("pointerup", sheet.onPointerUp.bind(sheet));
    element.addEventListener("keydown", sheet.onKeyDown.bind(sheet));
    element.classList.add("drawable");
  });

  var undoForm = document.getElementById("redaction-undo");
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (undoForm && !typing && (event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z") {
      event.preventDefault();
      undoForm.submit();
    }
  });
})();
