// Signature on the screen: signature_pad draws in the canvas; on submit the drawing goes into the hidden
// "signature" input as a PNG data URL. Without JavaScript the upload field still works.
(function () {
  "use strict";
  function setUp(box) {
    var canvas = box.querySelector("[data-signature-canvas]");
    var input = box.querySelector("input[type=hidden][name$=signature]");
    if (!canvas || !input || typeof SignaturePad === "undefined") return;
    var pad = new SignaturePad(canvas, { penColor: "#111" });
    function fit() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var data = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      pad.fromData(data);
    }
    window.addEventListener("resize", fit);
    fit();
    box.querySelector("[data-signature-clear]").addEventListener("click", function () {
      pad.clear();
      input.value = "";
    });
    box.closest("form").addEventListener("submit", function () {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
    });
  }
  document.querySelectorAll("[data-signature-pad]").forEach(setUp);
})();
