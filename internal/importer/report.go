package importer

import (
	"fmt"
	"strings"
)

// RowError is a row the import could not take: the line it starts on
// (counting the header as line 1, as a spreadsheet does), the column at
// fault ("" when it is the row as a whole) and the reason, in the words the
// Slack forms use for the same mistake.
type RowError struct {
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Reason)
}

// Report says what an import did, or on a dry run what it would do.
// Created + Updated + Skipped is always Rows.
type Report struct {
	Kind    Kind
	DryRun  bool
	Rows    int // data rows in the file, blank ones aside
	Created int
	Updated int // rows whose key (code, Slack user, rate combination) was already there
	Skipped int
	Errors  []RowError // one per invalid row, by line
	// Rejected is set when invalid rows stopped the whole file: nothing was
	// (or on a dry run, would be) imported.
	Rejected bool
	// Imported is set when the rows were committed; never on a dry run.
	Imported bool
}

// Invalid is the number of invalid rows.
func (r Report) Invalid() int { return len(r.Errors) }

// Summary is the report in a sentence or two, for people.
func (r Report) Summary() string {
	var b strings.Builder
	if r.DryRun {
		fmt.Fprintf(&b, "dry run, nothing written: would create %d, update %d, skip %d of %d %s", r.Created, r.Updated, r.Skipped, r.Rows, plural(r.Rows, "row", "rows"))
	} else {
		fmt.Fprintf(&b, "created %d, updated %d, skipped %d of %d %s", r.Created, r.Updated, r.Skipped, r.Rows, plural(r.Rows, "row", "rows"))
	}
	n := r.Invalid()
	switch {
	case r.Rejected:
		verb := "imported"
		if r.DryRun {
			verb = "would be imported"
		}
		fmt.Fprintf(&b, ".\nNothing %s: %d %s invalid. Fix %s and import again", verb, n, plural(n, "row is", "rows are"), plural(n, "it", "them"))
		if valid := r.Rows - n; valid > 0 {
			fmt.Fprintf(&b, ", or pass --skip-invalid to import the %d valid %s", valid, plural(valid, "row", "rows"))
		}
		b.WriteString(".")
	case n > 0:
		fmt.Fprintf(&b, " (%d invalid %s skipped).", n, plural(n, "row", "rows"))
	default:
		b.WriteString(".")
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
