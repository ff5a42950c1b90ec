package sharing

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"mamori/internal/i18n/i18ntest"
	"mamori/internal/mailparse"
	"mamori/internal/org/orgtest"
	"mamori/internal/sharing/correlate"
)

// The package's catalogs are complete in both languages, use only the
// agreed prefix, and cover every key the code names.
func TestCatalog(t *testing.T) {
	cat := orgtest.Catalog(t, Locales())
	if p := cat.Problems(); len(p) > 0 {
		t.Fatalf("catalog problems: %v", p)
	}
	i18ntest.Own(t, Locales(), regexp.MustCompile(`^(sharing\.|flash\.share_|mail\.share_released\.)`))
	used := i18ntest.Used(t, regexp.MustCompile(`\.[TN] "([a-z0-9_.]+)"|"((?:sharing|flash|error|mail)\.[a-z0-9_.]+[a-z0-9_])"`), "templates/*.html", "*.go")
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	actions := map[string]bool{ActionMemberAdded: true, ActionMemberLeft: true, ActionNDARecorded: true, ActionSIGCreated: true, ActionSIGUpdated: true,
		ActionSIGsSet: true, ActionStaffAdded: true, ActionStaffInvited: true, ActionStaffRemoved: true, ActionBoundarySet: true, ActionReported: true, ActionRawMailViewed: true, ActionHistorySet: true,
		ActionShareStarted: true, ActionShareEdited: true, ActionShareAnswered: true, ActionShareReleased: true, ActionShareWithdrawn: true, ActionReportClosed: true, ActionSighting: true, ActionWarningsChanged: true}
	for _, k := range used {
		if actions[k] {
			continue // audit action names, not messages
		}
		if !cat.Has(k) {
			t.Errorf("key %q is used but not in any catalog", k)
		}
	}
	for _, k := range TLPs {
		if !cat.Has("sharing.tlp."+k) || !cat.Has("sharing.tlp_help."+k) {
			t.Errorf("TLP %s lacks its label or help", k)
		}
	}
	for _, k := range correlate.Kinds() {
		if !cat.Has("sharing.kind." + string(k)) {
			t.Errorf("indicator kind %s lacks its label", k)
		}
	}
	for _, k := range []string{mailparse.KindRecipientAddress, mailparse.KindRecipientName, mailparse.KindGreetingName, mailparse.KindReporter,
		mailparse.KindMemberDomain, mailparse.KindReceivedHop, mailparse.KindReceivedBy, mailparse.KindReceivedFor, mailparse.KindHeader,
		mailparse.KindURLToken, mailparse.KindTime} {
		if !cat.Has("sharing.redaction." + k) {
			t.Errorf("redaction kind %s lacks its label", k)
		}
	}
	for _, k := range []correlate.Reason{correlate.ReasonWarned, correlate.ReasonTooCommon} {
		if !cat.Has("sharing.skip." + string(k)) {
			t.Errorf("skip reason %s lacks its label", k)
		}
	}
	for _, st := range statuses {
		if !cat.Has("sharing.status."+st) || !cat.Has("sharing.status_help."+st) {
			t.Errorf("status %s lacks its label or help", st)
		}
	}
}

// The TLP wording follows FIRST's TLP 2.0: AMBER reaches the recipient's
// organisation and its clients (顧客, those it gives security support to),
// not every business partner (取引先); AMBER+STRICT stays inside the
// organisation. The version is 2.0 wherever the code names it.
func TestTLPWording(t *testing.T) {
	cat := orgtest.Catalog(t, Locales())
	ja, en := cat.Printer("ja"), cat.Printer("en")
	for _, k := range []string{"sharing.tlp.amber", "sharing.tlp_help.amber"} {
		if s := ja.T(k); !strings.Contains(s, "顧客") || strings.Contains(s, "取引先で") || strings.Contains(s, "取引先に限") {
			t.Errorf("ja %s = %q: AMBER's audience is the organisation and its 顧客", k, s)
		}
		if s := en.T(k); !strings.Contains(s, "clients") {
			t.Errorf("en %s = %q: AMBER's audience is the organisation and its clients", k, s)
		}
	}
	for _, k := range []string{"sharing.tlp.amber+strict", "sharing.tlp_help.amber+strict"} {
		if s := ja.T(k); !strings.Contains(s, "自組織") || strings.Contains(s, "顧客に") {
			t.Errorf("ja %s = %q: AMBER+STRICT stays inside the organisation", k, s)
		}
	}
	src, err := os.ReadFile("shares.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "Traffic Light Protocol 2.0") || strings.Contains(string(src), "Protocol 2.1") {
		t.Error("shares.go must name FIRST's TLP 2.0")
	}
}
