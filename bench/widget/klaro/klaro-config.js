// klaro 0.7, configured after its annotated dist/config.js, with Hesbynett's texts.
var klaroConfig = {
  version: 1,
  elementID: "klaro",
  storageMethod: "cookie",
  cookieName: "klaro",
  cookieExpiresAfterDays: 180,
  default: false,
  mustConsent: false,
  acceptAll: true,
  hideDeclineAll: false,
  lang: "no",
  translations: {
    zz: { privacyPolicyUrl: "/personvern/" },
    no: {
      consentNotice: { title: {{banner_title}}, description: {{banner_body}} },
      consentModal: { title: {{preferences_title}}, description: {{preferences_intro}} },
      analytics: { title: "Google Analytics", description: {{analytics_description}} },
      purposes: { analytics: {{analytics_title}} },
    },
  },
  services: [
    { name: "analytics", title: "Google Analytics", purposes: ["analytics"], cookies: [/^__utm/] },
  ],
};
