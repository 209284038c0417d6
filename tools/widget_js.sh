#!/usr/bin/env bash
# Install the widget JavaScript that the built book serves itself, so the
# interactive panels (nnlib.explore) work offline, with no CDN:
#
#   requirejs 2.3.8                        -> require.js
#   @jupyter-widgets/html-manager 1.0.15   -> embed-amd.js (+ its icon fonts)
#   mathjax 3.2.2                          -> mathjax/ (the book's math, offline too)
#
# and, for the accessibility test only (tests/book/test_accessibility.py),
#   axe-core 4.14.1                        -> stays in tools/node_modules/axe-core/axe.min.js;
#                                             the test injects it into each page, the book never serves it
#
# Exact versions and integrity hashes are pinned in tools/package.json and
# tools/package-lock.json; `npm ci` installs exactly those from the npm
# registry into tools/node_modules/ (git-ignored). The files the pages load
# are then copied into _vendor_js/ at the repository root, which _config.yml
# lists in html_static_path (Sphinx copies it into _build/html/_static/) and
# myst-nb's nb_ipywidgets_js points at. It is deliberately NOT _static/:
# jupyter-book adds every .js file under _static/ to every page, and
# myst-nb adds these two again on pages with widgets, so they would load twice.
# _vendor_js/ holds a .gitignore ("*"), so nothing in it is ever committed
# (Sphinx skips hidden files when copying).
#
# Third-party JavaScript is never committed: run this before every build
# (the Makefile's widget-js target does). It skips `npm ci` when the installed
# packages already match the lock file (then it only refreshes _vendor_js/).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"
out="$root/_vendor_js"
stamp="$tools/node_modules/.nnx-lock.sha256"

if ! command -v npm >/dev/null 2>&1; then
    echo "widget_js: npm is not installed; install Node.js (e.g. apt-get install -y npm)" >&2
    exit 1
fi

want="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "widget_js: npm ci (requirejs, @jupyter-widgets/html-manager, mathjax, axe-core) into tools/node_modules"
    (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
fi

dist="$tools/node_modules/@jupyter-widgets/html-manager/dist"
mkdir -p "$out"
printf '# Installed by tools/widget_js.sh from the npm registry; never committed.\n*\n' > "$out/.gitignore"
# embed-amd.js finds its icon fonts next to itself (webpack public path), so
# the fonts come along (woff2/woff/ttf: every browser that runs the bundle
# takes one of these; the .eot/.svg fallbacks for old browsers are left out).
for f in "$tools/node_modules/requirejs/require.js" "$dist/embed-amd.js" \
         "$dist"/embed.js.LICENSE.txt \
         "$dist"/*.woff2 "$dist"/*.woff "$dist"/*.ttf; do
    cmp -s "$f" "$out/$(basename "$f")" || cp "$f" "$out/"
done
# MathJax 3 (the book's math): the combined TeX component, the TeX
# extensions it loads on demand and its web fonts, at the same relative
# paths, so MathJax finds them next to itself (mathjax_path in _config.yml).
mj="$tools/node_modules/mathjax/es5"
mkdir -p "$out/mathjax"
for d in tex-mml-chtml.js input/tex/extensions output/chtml/fonts/woff-v2; do
    mkdir -p "$out/mathjax/$(dirname "$d")"
    cp -R "$mj/$d" "$out/mathjax/$(dirname "$d")/"
done
cp "$tools/node_modules/mathjax/LICENSE" "$out/mathjax/LICENSE.txt"

# Our own few lines (not third-party), loaded between require.js and
# embed-amd.js on pages with widgets:
# 1. Tell require.js where the bundle's modules live. embed-amd.js defines AMD
#    modules named "@jupyter-widgets/..." and looks for its icon fonts in the
#    folder of the module's URL, which require.js derives from the name
#    relative to the page ("book/@jupyter-widgets/html-manager/dist/"): 404s.
#    Mapping both prefixes to the folder of this script (_static/, whatever
#    the page's depth) makes it find the fonts copied above.
# 2. The HTML manager typesets widget labels with the MathJax 2 call
#    MathJax.Hub.Queue; the book loads MathJax 3, which has no Hub, so every
#    widget label threw "Cannot read properties of undefined (reading
#    'Queue')". Give MathJax 3 a Hub.Queue that forwards to typesetPromise.
#    MathJax is loaded with `defer`, so it is in place at DOMContentLoaded;
#    the widgets render later, at `load`.
cat > "$out/widgets-setup.js" <<'JS'
// Written by tools/widget_js.sh (see the comments there).
(function () {
  var here = document.currentScript.src.replace(/\/[^\/]*$/, "");
  require.config({
    paths: { "@jupyter-widgets": here, "@jupyter-widgets/html-manager/dist": here },
  });
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (mj && !mj.Hub) {
      mj.Hub = {
        Queue: function (job) {
          var element = job && job[2];
          if (element && mj.startup && mj.startup.promise && mj.typesetPromise) {
            mj.startup.promise.then(function () { return mj.typesetPromise([element]); });
          }
        },
      };
    }
  });
})();
JS
# 3. The panels for a keyboard and a screen reader: alt texts, the sliders'
#    names and values, a polite live region, a keyboard header for the live
#    section (see the comments in tools/widgets_a11y.js, our own file).
cat "$tools/widgets_a11y.js" >> "$out/widgets-setup.js"
echo "widget_js: $(ls "$out" | wc -l) files in _vendor_js/ ($(du -sh "$out" | cut -f1))"
