// The officer's referral form: show only the fields of the chosen door, and fill the place from the
// device when the officer allows it. The form works without this script (every field shown).
(function () {
  "use strict";
  var form = document.querySelector("[data-referral-form]");
  if (!form) { return; }
  var doors = form.querySelectorAll("[data-door]");
  function showDoor() {
    var chosen = form.querySelector("input[name=door]:checked");
    doors.forEach(function (fs) {
      fs.hidden = !chosen || fs.getAttribute("data-door") !== chosen.value;
    });
  }
  form.querySelectorAll("input[name=door]").forEach(function (r) { r.addEventListener("change", showDoor); });
  showDoor();

  var button = form.querySelector("[data-locate]");
  var status = form.querySelector("[data-locate-status]");
  if (button && "geolocation" in navigator) {
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.getAttribute("data-wait") || "…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
        var place = form.querySelector("[name=place]");
        if (!place.value) { place.value = "GPS ±" + Math.round(pos.coords.accuracy) + " m"; }
        status.textContent = "✓";
      }, function () { status.textContent = "✗"; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }
})();
