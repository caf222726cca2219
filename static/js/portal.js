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

  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
