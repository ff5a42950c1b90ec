package sharing

import (
	"regexp"
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
