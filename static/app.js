// Gyrus: maths rendering, the keyboard, and the study-list checkboxes. No framework; the pages
// work without this file (it only makes them quicker to use).
(function () {
  "use strict";

  // KaTeX: the server leaves maths as <span class="math inline">TeX</span> or
  // <div class="math display">TeX</div>; render each one once.
  function renderMath(root) {
    if (!window.katex || !root.querySelectorAll) return;
    root.querySelectorAll(".math").forEach(function (el) {
      if (el.dataset.rendered) return;
      // An imported book's macros (PreTeXt docinfo) ride on an ancestor as JSON.
      var holder = el.closest("[data-katex-macros]");
      try {
        window.katex.render(el.textContent, el, {
          displayMode: el.classList.contains("display"),
          throwOnError: false,
          macros: holder ? JSON.parse(holder.getAttribute("data-katex-macros")) : {},
        });
        el.dataset.rendered = "1";
      } catch (e) {
        // leave the TeX source visible
      }
    });
  }

  // Lists (a pass, its summary, the study list, Needs help) show each exercise's snippet as
  // plain text with $…$ maths, marked data-tex: KaTeX's auto-render renders one when it comes
  // into view, so a pass of thousands of items costs only what is on screen.
  var TEX_DELIMITERS = [
    { left: "$$", right: "$$", display: false },
    { left: "$", right: "$", display: false },
  ];

  // A list keeps each exercise to a line or two: display-size fractions are shown text-size.
  var LINE_MACROS = { "\\dfrac": "\\tfrac", "\\displaystyle": "\\textstyle" };

  function renderTex(el) {
    if (el.dataset.rendered || !window.renderMathInElement) return;
    el.dataset.rendered = "1";
    window.renderMathInElement(el, { delimiters: TEX_DELIMITERS, throwOnError: false,
                                     macros: LINE_MACROS });
  }

  var texObserver = window.IntersectionObserver && new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) return;
      texObserver.unobserve(entry.target);
      renderTex(entry.target);
    });
  }, { rootMargin: "400px 0px" });

  function renderSnippets(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-tex]").forEach(function (el) {
      if (texObserver) texObserver.observe(el); else renderTex(el);
    });
  }

  // Keyboard: Enter checks (the browser submits the answer form); 1/2/3 rate, u undoes a rating,
  // n next, h hint, a or / to the Answer box, Esc out of a field. Never while typing in a field (the Answer box
  // is not focused on its own, so the keys work from the first one), never with a modifier.
  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function press(selector) {
    var el = document.querySelector(selector);
    if (!el || el.disabled) return false;
    el.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var answer = document.getElementById("answer");
    if ((event.key === "a" || event.key === "/") && answer) {
      answer.focus();
      event.preventDefault();
      return;
    }
    var keys = { "1": '[data-key="1"]', "2": '[data-key="2"]', "3": '[data-key="3"]',
                 "n": '[data-key="n"]', "h": '[data-key="h"]', "u": '[data-key="u"]' };
    var selector = keys[event.key];
    if (selector && press(selector)) event.preventDefault();
  });

  // Study list: ticking a collection ticks its topics, ticking a topic its exercises; unticking
  // one unticks what holds it (the form itself sends only collection and topic keys).
  document.addEventListener("change", function (event) {
    var box = event.target;
    var collection = box.closest && box.closest("[data-collection]");
    if (!collection) return;
    var topic = box.closest("[data-topic]");
    var every = function (root, selector) {
      return Array.prototype.every.call(root.querySelectorAll(selector),
                                        function (b) { return b.checked; });
    };
    var tick = function (root, selector) {
      root.querySelectorAll(selector).forEach(function (b) { b.checked = box.checked; });
    };
    if (box.hasAttribute("data-collection-box")) {
      tick(collection, "[data-topic-box], [data-exercise-box]");
      return;
    }
    if (box.hasAttribute("data-topic-box")) {
      tick(topic, "[data-exercise-box]");
    } else if (box.hasAttribute("data-exercise-box")) {
      topic.querySelector("[data-topic-box]").checked = every(topic, "[data-exercise-box]");
    }
    collection.querySelector("[data-collection-box]").checked =
      every(collection, "[data-topic-box]");
  });

  // Keypad: each key inserts its text at the Answer box's caret ("|" marks where the caret
  // goes, around any selected text). Pressing a key never takes the focus from the box, so a
  // phone's keyboard stays up; the live preview is asked as if the learner had typed.
  var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;

  function insert(box, template) {
    var start = box.selectionStart === null ? box.value.length : box.selectionStart;
    var end = box.selectionEnd === null ? start : box.selectionEnd;
    var selected = box.value.slice(start, end);
    var at = template.indexOf("|");
    var text = at < 0 ? template : template.replace("|", selected);
    box.setRangeText(text, start, end, "end");
    var caret = at < 0 ? start + text.length : start + at + selected.length;
    box.focus();
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.dispatchEvent(new Event("keyup", { bubbles: true }));  // htmx: the live preview
  }

  // The matrix grid builder: rows × cols empty cells, the caret in the first one.
  function grid(rows, cols) {
    var out = [];
    for (var r = 0; r < rows; r++) out.push("[" + new Array(cols).join(", ") + "]");
    return "[[|" + out.join(", ").slice(1) + "]";
  }

  function openKeypad(toggle, open) {
    var pad = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!pad) return;
    pad.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function setUpKeypads(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll(".keypad-toggle").forEach(function (toggle) {
      if (toggle.dataset.ready) return;
      toggle.dataset.ready = "1";
      toggle.hidden = false;
      openKeypad(toggle, coarse);
    });
  }

  // Keep the focus (and the caret) in the Answer box while a key is pressed.
  document.addEventListener("mousedown", function (event) {
    var key = event.target.closest && event.target.closest(".keypad button");
    if (key) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("button");
    if (!el) return;
    if (el.classList.contains("keypad-toggle")) {
      openKeypad(el, el.getAttribute("aria-expanded") !== "true");
      return;
    }
    var pad = el.closest(".keypad");
    var box = document.getElementById("answer");
    if (!pad || !box) return;
    if (el.hasAttribute("data-insert")) {
      insert(box, el.getAttribute("data-insert"));
    } else if (el.hasAttribute("data-grid-insert")) {
      var rows = parseInt(pad.querySelector("[data-grid-rows]").value, 10);
      var cols = parseInt(pad.querySelector("[data-grid-cols]").value, 10);
      insert(box, grid(rows, cols));
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    renderMath(document.body);
    renderSnippets(document.body);
    setUpKeypads(document.body);
  });
  document.addEventListener("htmx:load", function (event) {
    renderMath(event.detail.elt);
    renderSnippets(event.detail.elt);
    setUpKeypads(event.detail.elt);
  });
  // The live preview swaps its content in: render the maths there too.
  document.addEventListener("htmx:afterSwap", function (event) { renderMath(event.detail.target); });
})();

// Sessions (rule 10): the learner's days are counted in their time zone. Continue pass sends
// the browser's (kept only while the learner has not chosen one); the Account page offers it
// in an empty Time zone box. Without JavaScript, days are UTC until set on the Account page.
(function () {
  "use strict";
  function browserZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
  }
  function fill(root) {
    var zone = browserZone();
    if (!zone || !root.querySelectorAll) return;
    root.querySelectorAll("input[data-browser-zone]").forEach(function (el) { el.value = zone; });
    root.querySelectorAll("input[data-browser-zone-if-empty]").forEach(function (el) {
      if (!el.value) el.value = zone;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { fill(document.body); });
  document.addEventListener("htmx:load", function (event) { fill(event.detail.elt); });
})();
