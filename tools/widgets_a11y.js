// The interactive panels (nnlib.book.explore) for a keyboard and a screen
// reader, in the built book. tools/widget_js.sh appends this file to
// widgets-setup.js, which the pages with widgets load before the widget
// bundle. Our own code (not third-party).
//
// The widget bundle (@jupyter-widgets/html-manager 1.0.15) renders a
// SelectionSlider as a noUiSlider handle (role="slider", tabindex 0, moved by
// the arrow keys, Home and End) with no accessible name and the option's
// *index* as its aria-valuetext; the panel's pictures as <img> with no alt;
// and the live section's header as a <div> no keyboard can reach. ipywidgets
// 8.1 has no trait for any of these (an Image with a tooltip does not even
// render in this bundle), so explore() stores the words in the widget state
// and this script puts them where assistive technology reads them:
//
// 1. every picture (img.nnx-point-<i>-<j>) gets as alt the text of its grid
//    point (the HTML widget .nnx-text-<i>-<j>: setting and result), and the
//    live section's retrained picture the text of its status line;
// 2. every slider handle gets an aria-label, the control's tooltip (the
//    label with its symbol spoken: "learning rate", not "learning rate η"),
//    and the readout's text (the option's label) as aria-valuetext; the
//    readout stops being a second, useless tab stop;
// 3. a polite live region after the shown text (.nnx-result, which is then
//    hidden from screen readers to avoid reading it twice) repeats the shown
//    text whenever a control moves: "learning rate 5, tanh activation,
//    2 hidden layers: ..."; while an animation plays, it waits and says the
//    frame where the animation stops;
// 4. the header of the live section ("Try other values ...") becomes a
//    button (role, tabindex, Enter and Space, aria-expanded);
// 5. the buttons of an animation's Play widget (.nnx-play-<name>), which
//    show only icons, get names: "play" or "pause" (following the icon the
//    Play view shows), "stop", and "repeat" with aria-pressed. Its frames are
//    ordinary grid points, so 1 describes each and 3 the one it stops at.
//
// The widgets render after the page's load event and re-render their
// attributes on every move, so a MutationObserver runs the idempotent
// scan() once per animation frame after any change inside a widget.
(function () {
  "use strict";

  function pointKey(el, prefix) {
    for (var i = 0; i < el.classList.length; i++) {
      var c = el.classList[i];
      if (c.indexOf(prefix) === 0) return c.slice(prefix.length);
    }
    return null;
  }

  function set(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  // A Play view's first button shows the pause icon while it plays.
  function showsPause(button) {
    var icon = button.querySelector("i");
    return !!icon && icon.className.indexOf("fa-pause") !== -1;
  }

  function isPlaying(panel) {
    var plays = panel.querySelectorAll('[class*="nnx-play-"]');
    for (var i = 0; i < plays.length; i++) {
      var button = plays[i].querySelector("button");
      if (button && showsPause(button)) return true;
    }
    return false;
  }

  function shownText(panel) {
    var texts = panel.querySelectorAll('[class*="nnx-text-"]');
    // A Stack keeps only its selected child in the page, so there is one
    // text, the shown one; asking the layout (offsetParent) is needed only
    // while a Stack swaps children, and forcing it on every scan cost about
    // 55 ms of the first panel's appearance on chapter 02.
    if (texts.length === 1) return texts[0].textContent.trim();
    for (var i = 0; i < texts.length; i++) {
      if (texts[i].offsetParent !== null) return texts[i].textContent.trim();
    }
    return "";
  }

  function scanPanel(panel) {
    // 1. the alt text of every picture
    var imgs = panel.querySelectorAll('img[class*="nnx-point-"]');
    for (var i = 0; i < imgs.length; i++) {
      var text = panel.querySelector(".nnx-text-" + pointKey(imgs[i], "nnx-point-"));
      if (text) set(imgs[i], "alt", text.textContent.trim());
    }
    // ... and the live section's retrained picture (hidden until a kernel
    // retrains) says what its status line says
    var others = panel.querySelectorAll('img:not([class*="nnx-point-"])');
    for (var j = 0; j < others.length; j++) {
      var status = others[j].parentNode.querySelector(".widget-html");
      var said = status ? status.textContent.trim() : "";
      set(others[j], "alt", said || "No retrained picture yet");
    }
    // 2. the sliders' names and values
    var controls = panel.querySelectorAll('[class*="nnx-control-"]');
    for (var k = 0; k < controls.length; k++) {
      var label = controls[k].querySelector(".widget-label");
      var handle = controls[k].querySelector(".noUi-handle");
      var readout = controls[k].querySelector(".widget-readout");
      if (!handle || !label) continue;
      var name = label.title && label.title !== "null" ? label.title : label.textContent.trim();
      set(handle, "aria-label", name);
      if (readout) {
        set(handle, "aria-valuetext", readout.textContent.trim());
        set(readout, "contenteditable", "false");
        set(readout, "aria-hidden", "true");
      }
    }
    // 3. the live region
    var result = panel.querySelector(".nnx-result");
    if (result) {
      set(result, "aria-hidden", "true");
      var live = panel.querySelector(".nnx-live");
      if (!live) {
        live = document.createElement("div");
        live.className = "nnx-live visually-hidden";
        live.setAttribute("aria-live", "polite");
        live.setAttribute("aria-atomic", "true");
        result.parentNode.insertBefore(live, result.nextSibling);
        live.dataset.shown = shownText(panel);  // nothing is said on page load
      }
      // While an animation plays, its frames go by several times a second:
      // the region waits, and says the frame where it stops (pause, stop, or
      // the last frame), instead of queueing every frame for the reader.
      var now = shownText(panel);
      if (now && live.dataset.shown !== now && !isPlaying(panel)) {
        live.dataset.shown = now;
        live.textContent = now;
      }
    }
    // 4. the live section's header as a button
    var headers = panel.querySelectorAll(".jupyter-widget-Collapse-header");
    for (var h = 0; h < headers.length; h++) {
      var header = headers[h];
      if (!header.dataset.nnxButton) {
        header.dataset.nnxButton = "1";
        set(header, "role", "button");
        set(header, "tabindex", "0");
        header.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            event.currentTarget.click();
          }
        });
      }
      var open = header.parentNode.classList.contains("jupyter-widget-Collapse-open");
      set(header, "aria-expanded", open ? "true" : "false");
    }
    // 5. the Play buttons' names (play/pause, stop, repeat, in this order)
    var plays = panel.querySelectorAll('[class*="nnx-play-"]');
    for (var q = 0; q < plays.length; q++) {
      var buttons = plays[q].querySelectorAll("button");
      if (buttons.length < 3) continue;
      set(buttons[0], "aria-label", showsPause(buttons[0]) ? "pause" : "play");
      set(buttons[1], "aria-label", "stop");
      set(buttons[2], "aria-label", "repeat");
      set(buttons[2], "aria-pressed", buttons[2].classList.contains("mod-active") ? "true" : "false");
    }
  }

  var pending = false;
  function scan() {
    pending = false;
    var panels = document.querySelectorAll(".nnx-explore");
    for (var i = 0; i < panels.length; i++) scanPanel(panels[i]);
  }
  function schedule() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(scan);
    }
  }
  // Only changes inside the widgets matter: the page's math being typeset
  // after the panels are up (tools/sphinx_math_first_screen.py) changes the
  // page too, and a scan for each of its batches delayed a slider's answer.
  function inWidgets(records) {
    for (var i = 0; i < records.length; i++) {
      var node = records[i].target;
      if (node.nodeType !== 1) node = node.parentNode;
      if (node && node.closest && node.closest(".widget-subarea, .nnx-explore")) return true;
    }
    return false;
  }
  document.addEventListener("DOMContentLoaded", function () {
    new MutationObserver(function (records) {
      if (inWidgets(records)) schedule();
    }).observe(document.body, {
      childList: true, subtree: true, characterData: true, attributes: true,
      attributeFilter: ["class", "style", "aria-valuetext", "contenteditable"],
    });
    schedule();
  });
})();
