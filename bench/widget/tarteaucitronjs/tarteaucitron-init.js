// tarteaucitron, initialised with the options its README lists, with Hesbynett's banner text and
// the analytics stand-in as a custom service (README: "Create custom service").
var tarteaucitronCustomText = { alertBigPrivacy: {{banner_body}} };
tarteaucitron.init({
  privacyUrl: "/personvern/",
  bodyPosition: "bottom",
  hashtag: "#tarteaucitron",
  cookieName: "tarteaucitron",
  orientation: "middle",
  groupServices: false,
  showDetailsOnClick: true,
  serviceDefaultState: "wait",
  showAlertSmall: false,
  cookieslist: false,
  showIcon: true,
  iconPosition: "BottomRight",
  adblocker: false,
  DenyAllCta: true,
  AcceptAllCta: true,
  highPrivacy: true,
  handleBrowserDNTRequest: false,
  removeCredit: false,
  moreInfoLink: true,
  useExternalCss: false,
  useExternalJs: false,
  mandatory: true,
  mandatoryCta: true,
});
tarteaucitron.services.standin = {
  key: "standin",
  type: "analytic",
  name: "Google Analytics",
  needConsent: true,
  cookies: ["__utma", "__utmb", "__utmc", "__utmz"],
  js: function () {
    "use strict";
    tarteaucitron.addScript({{analytics_src}});
  },
  fallback: function () {},
};
(tarteaucitron.job = tarteaucitron.job || []).push("standin");
