// vanilla-cookieconsent 3.1, configured as its getting-started guide shows, with Hesbynett's texts.
CookieConsent.run({
  // Its default hides the banner when navigator.webdriver is set, as in this headless browser.
  hideFromBots: false,
  categories: {
    necessary: { enabled: true, readOnly: true },
    analytics: { autoClear: { cookies: [{ name: /^__utm/ }] } },
  },
  language: {
    default: "nb",
    translations: {
      nb: {
        consentModal: {
          title: {{banner_title}},
          description: {{banner_body}},
          acceptAllBtn: {{accept_all}},
          acceptNecessaryBtn: {{reject_all}},
          showPreferencesBtn: {{customize}},
        },
        preferencesModal: {
          title: {{preferences_title}},
          acceptAllBtn: {{accept_all}},
          acceptNecessaryBtn: {{reject_all}},
          savePreferencesBtn: {{save}},
          closeIconLabel: {{close}},
          sections: [
            { title: {{preferences_title}}, description: {{preferences_intro}} },
            { title: {{necessary_title}}, description: {{necessary_description}}, linkedCategory: "necessary" },
            { title: {{analytics_title}}, description: {{analytics_description}}, linkedCategory: "analytics" },
          ],
        },
      },
    },
  },
});
