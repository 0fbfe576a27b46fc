// cookieconsent (Osano) 3.1 in opt-in mode: nothing that sets cookies runs until the visitor
// allows it; the stand-in is loaded from the documented hooks.
function loadAnalytics() {
  if (window.__analyticsLoading) return;
  window.__analyticsLoading = true;
  var s = document.createElement("script");
  s.src = {{analytics_src}};
  document.body.appendChild(s);
}
window.cookieconsent.initialise({
  type: "opt-in",
  content: {
    header: {{banner_title}},
    message: {{banner_body}},
    allow: {{accept_all}},
    deny: {{reject_all}},
    link: {{cookie_page_title}},
    href: "/informasjonskapsler/",
  },
  onInitialise: function () {
    if (this.options.type == "opt-in" && this.hasConsented()) loadAnalytics();
  },
  onStatusChange: function () {
    if (this.options.type == "opt-in" && this.hasConsented()) loadAnalytics();
  },
});
