package importer

import (
	"context"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

// TestClientLookupShortcut holds the time import's client lookup to
// practice's LookupEntity: for every text, the same client or the same
// refusal, whether the shortcut answered or the lookup did.
func TestClientLookupShortcut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := pgtest.Tx(t)
	pid := atlas.PracticeID("T_LOOKUP_SHORTCUT")
	s := practice.Store{DB: tx}
	if _, err := s.Ensure(ctx, pid); err != nil {
		t.Fatal(err)
	}
	clients := []struct {
		code, name, aliases string
		archived            bool
	}{
		{"ACME", "Acme Trading Ltd", "Acme;ACME Trading", false},
		{"ACME2", "Acme Trading Ltd Holdings", "", false},
		{"BLOOM", "Bloom Florists", "", false},
		{"OLDB", "Bloom Florists Old", "", true},
		{"GOLD", "Goldberg Oldbury Partners", "", false},
		{"CEDAR", "Cedar Trust", "Oak", false},
		{"OAKS", "Oak Tree Nursery", "", false},
		{"ARCH", "Archway Ltd", "Archie", true},
		{"SMITH", "J Smith", "", false},
		{"SMITHS", "Smithson & Co", "", false},
	}
	for _, c := range clients {
		e, err := s.SaveEntity(ctx, pid, 0, 0, practice.EntityInput{Code: c.code, Name: c.name, Aliases: c.aliases})
		if err != nil {
			t.Fatal(err)
		}
		if c.archived {
			if _, err := s.ArchiveEntity(ctx, pid, 0, e.ID, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := &run{tx: tx, store: s, o: Options{Practice: pid}}
	res, err := newTimeResolver(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	shortcut := 0
	for _, text := range []string{
		"Acme Trading Ltd", "acme trading ltd holdings", "acme trading", "Acme", "ACME", "acme2", "Trading",
		"Bloom Florists", "bloom florist", "Bloom", "Bloom Florists Old", "oldb", "Oldbury", "goldberg oldbury partners",
		"Cedar Trust", "cedar", "Oak", "Oak Tree", "oak tree nursery", "Archway Ltd", "Archie", "archway",
		"J Smith", "smith", "Smithson & Co", "  Cedar Trust  ", "Nothing Here", "Blom Florists", "trust", "ltd", "|", "cedar|cedar trust",
	} {
		want, wantErr := s.LookupEntity(ctx, pid, text)
		got, gotErr := res.lookupEntity(ctx, text)
		if got.ID != want.ID || atlas.ErrorCode(gotErr) != atlas.ErrorCode(wantErr) || atlas.ErrorMessage(gotErr) != atlas.ErrorMessage(wantErr) {
			t.Errorf("%q: shortcut %d %v, lookup %d %v", text, got.ID, gotErr, want.ID, wantErr)
		}
		q := strings.ToLower(strings.TrimSpace(text))
		if !res.exact[q] && res.onlyContaining(q) != nil {
			shortcut++
		}
	}
	// The shortcut answered some, and the lookup the rest.
	if shortcut < 8 {
		t.Fatalf("the shortcut answered %d texts", shortcut)
	}
}
