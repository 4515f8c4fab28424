package portal

import (
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/portal"
)

func TestReceivedMessage(t *testing.T) {
	t.Parallel()
	nov := atlas.Period{Year: 2026, Month: time.November}
	for name, r := range map[string]portal.Received{
		"received": {DocumentID: 7, FileName: "bank-nov.pdf", Client: "Smith & Sons <Ltd>", Contact: "Jane Smith",
			Item: "Bank statements", TaskID: 42, Period: &nov},
		"no_task": {DocumentID: 8, FileName: "misc.pdf", Client: "Harbour Bakery Ltd"},
	} {
		t.Run(name, func(t *testing.T) {
			m := ReceivedMessage(r)
			if !strings.HasPrefix(m.Text, "📎 "+r.Client+" sent "+r.FileName) {
				t.Errorf("text %q", m.Text)
			}
			blockkittest.GoldenMessage(t, "received_"+name, m.Blocks)
		})
	}
}
