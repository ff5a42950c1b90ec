package assets

import (
	"testing"

	"mamori/internal/controls"
)

// A ledger exported before the medium labels took a space between
// Japanese and Latin text (事務所内のPC) imports as it did; the new
// label, the key and the English label read the same.
func TestMediumLabelSpacing(t *testing.T) {
	voc := NewVocabulary(testCatalog(t))
	for _, cell := range []string{"事務所内のPC", "事務所内の PC", " 事務所内のＰＣ ", "office_pc", "PCs in the office"} {
		if got := lookup(voc.medium, cell); got != string(controls.MediumOfficePC) {
			t.Errorf("%q reads as %q", cell, got)
		}
	}
	if got := lookup(voc.medium, "持ち出し用のPC・スマートフォン"); got != string(controls.MediumMobile) {
		t.Errorf("old mobile label reads as %q", got)
	}
}
