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
// Created + Updated + Unchanged + Skipped is always Rows.
type Report struct {
	Kind    Kind
	DryRun  bool
	Rows    int // data rows in the file, blank ones aside
	Created int
	Updated int // rows whose key (code, Slack user, rate combination) was already there
	// Unchanged counts rows imported by an earlier run and left as they are:
	// time entries, which are never updated by an import.
	Unchanged int
	Skipped   int
	Errors    []RowError // one per invalid row, by line
	// IgnoredColumns are the header names of columns the import does not
	// know, as the file writes them; their values are not read.
	IgnoredColumns []string
	// Notes are things worth knowing about a file that imports, such as the
	// ignored columns or hours rounded to the minute, one sentence each.
	Notes []string
	// Rejected is set when invalid rows stopped the whole file: nothing was
	// (or on a dry run, would be) imported.
	Rejected bool
	// Imported is set when the rows were committed; never on a dry run.
	Imported bool
}

// Invalid is the number of invalid rows.
func (r Report) Invalid() int { return len(r.Errors) }

// Summary is the report in a sentence or two, for people, then its notes,
// a line each.
func (r Report) Summary() string {
	var b strings.Builder
	// Time entries and payments are created or found, never updated, so
	// their files' counts say how many were already there instead.
	second := fmt.Sprintf("updated %d", r.Updated)
	if r.DryRun {
		second = fmt.Sprintf("update %d", r.Updated)
	}
	if r.Kind == Time || r.Kind == Payments {
		second = fmt.Sprintf("%d already imported", r.Unchanged)
	}
	if r.DryRun {
		fmt.Fprintf(&b, "dry run, nothing written: would create %d, %s, skip %d of %d %s", r.Created, second, r.Skipped, r.Rows, plural(r.Rows, "row", "rows"))
	} else {
		fmt.Fprintf(&b, "created %d, %s, skipped %d of %d %s", r.Created, second, r.Skipped, r.Rows, plural(r.Rows, "row", "rows"))
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
	for _, n := range r.Notes {
		b.WriteString("\nNote: ")
		b.WriteString(n)
	}
	return b.String()
}

// quoteList writes names as "a", "b" and "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
