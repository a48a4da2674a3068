// The development registration page: reads the token from the link,
// shows the current consent wording, and posts the registration to the API
// (relative URLs, so it works wherever the API is mounted).
(function () {
  "use strict";
  var token = new URLSearchParams(window.location.search).get("token") || "";
  var consentVersion = "";
  var result = document.getElementById("result");

  function show(text, ok) {
    result.hidden = false;
    result.className = ok ? "ok" : "error";
    result.textContent = text;
  }

  if (!token) {
    show("This page needs the link from your email: it ends with ?token=…", false);
  }

  fetch("v1/consent-text").then(function (r) { return r.json(); }).then(function (t) {
    consentVersion = t.version;
    document.getElementById("consent-text").textContent = t.body + "\n\n(version " + t.version + ")";
  }).catch(function () {
    document.getElementById("consent-text").textContent = "The consent wording could not be loaded.";
  });

  function value(id) { return document.getElementById(id).value.trim(); }

  document.getElementById("form").addEventListener("submit", function (e) {
    e.preventDefault();
    var profile = {
      first_name: value("first_name"),
      last_name: value("last_name"),
      date_of_birth: value("date_of_birth"),
      connection: value("connection"),
      region: value("region"),
      heard_about: value("heard_about"),
      skills: value("skills") ? value("skills").split(",").map(function (s) { return s.trim(); }).filter(Boolean) : []
    };
    if (value("phone")) { profile.phone = value("phone"); }
    if (value("job_preferences")) { profile.job_preferences = value("job_preferences"); }
    fetch("v1/registrations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        token: token,
        password: document.getElementById("password").value,
        profile: profile,
        consent: { text_version: consentVersion, given: document.getElementById("consent").checked }
      })
    }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      if (res.status === 201) {
        show("You are registered. Sign in with the email address the link was sent to (POST /v1/sessions).", true);
        document.getElementById("form").hidden = true;
      } else {
        var err = res.body.error || {};
        show((err.field ? err.field + ": " : "") + (err.message || "Something went wrong."), false);
      }
    }).catch(function () { show("The API could not be reached.", false); });
  });
})();
