/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  // A form marked data-once submits once: the button is disabled after the first click.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.disabled = true;
        b.textContent = "正在提交…";
      });
    });
  });

  // Live character counters for fields with data-maxchars.
  document.querySelectorAll("[data-maxchars]").forEach(function (field) {
    var out = document.querySelector('[data-counter-for="' + field.id + '"]');
    if (!out) return;
    var max = parseInt(field.getAttribute("data-maxchars"), 10);
    function update() {
      var n = Array.from(field.value).length;
      out.textContent = "已输入 " + n + " / " + max + " 字";
      out.classList.toggle("over", n > max);
    }
    field.addEventListener("input", update);
    update();
  });

  // A template picker fills its textarea (asking before it replaces typed text).
  document.querySelectorAll("select[data-fill]").forEach(function (picker) {
    picker.addEventListener("change", function () {
      var target = document.getElementById(picker.getAttribute("data-fill"));
      if (!target || !picker.value) return;
      if (target.value.trim() && !window.confirm("用模板替换已填写的内容？")) return;
      target.value = picker.value;
      target.dispatchEvent(new Event("input"));
    });
  });

  // While a citizen types a title, show published replies to similar questions.
  document.querySelectorAll("[data-similar]").forEach(function (field) {
    var box = document.getElementById("similar");
    if (!box || !window.fetch) return;
    var list = box.querySelector("ul"), timer = null, last = "";
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = field.value.trim();
        if (q.length < 2 || q === last) return;
        last = q;
        fetch(field.getAttribute("data-similar") + "?q=" + encodeURIComponent(q))
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            list.textContent = "";
            (data.results || []).forEach(function (item) {
              var li = document.createElement("li"), a = document.createElement("a");
              a.href = item.url; a.target = "_blank"; a.rel = "noopener";
              a.textContent = item.title + "（" + item.department + "）";
              li.appendChild(a); list.appendChild(li);
            });
            box.hidden = !list.children.length;
          })
          .catch(function () { box.hidden = true; });
      }, 400);
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
