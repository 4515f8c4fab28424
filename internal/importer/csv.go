package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// format is the shape of one kind of file.
type format struct {
	columns  []string // every column the file may have, in documented order
	required []string // columns the header must have and no row may leave empty
	// header are further columns the header must have, though a row may
	// leave them empty (the row's own check says when that is wrong).
	header []string
	// oneOf are columns of which the header must have at least one.
	oneOf []string
	// aliases map other names practice software gives a column (after
	// normColumn) to the column, so its exports import as they are.
	aliases map[string]string
}

func (f format) known(col string) bool {
	for _, c := range f.columns {
		if c == col {
			return true
		}
	}
	return false
}

// table is a CSV file read against a format.
type table struct {
	has     map[string]bool // the columns the header names
	ignored []string        // header names of columns the format does not know, as written
	rows    []row           // the data rows that passed the structural checks
	total   int             // every non-blank data row, including rejected ones
}

// hasAll reports whether the header names every column of the format, so a
// row states a complete record rather than a change to some fields.
func (t *table) hasAll(f format) bool {
	for _, c := range f.columns {
		if !t.has[c] {
			return false
		}
	}
	return true
}

// row is one data row: the file line it starts on (the header is line 1; a
// quoted field may span lines, so this is not the row's index) and its
// values by column, trimmed.
type row struct {
	line   int
	values map[string]string
}

func (r row) get(col string) string { return r.values[col] }

// ignoredColumn marks a header field the format does not know: its values
// are skipped. Practice software exports columns of its own (a Xero
// contact id, a tracking category), and a file should import as exported.
const ignoredColumn = "\x00ignored"

// readTable reads a header-based CSV file. Problems with the file as a
// whole — no header, a missing column, broken quoting — are returned as an
// EInvalid error, since no row can be trusted after them. Columns the
// format does not know are listed in the table and ignored. Problems
// confined to a row (a wrong number of fields, an empty required value)
// come back as row errors, so that row alone can be skipped.
//
// Line endings may be LF or CRLF (encoding/csv reads both, and turns a CRLF
// inside a quoted value into LF); a UTF-8 byte order mark is dropped.
func readTable(r io.Reader, f format) (*table, []RowError, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1 // checked per row, as a row error
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, atlas.Errorf(atlas.EInvalid, "The file is empty. Its first line must be the header, such as %s.", strings.Join(f.required, ","))
	}
	if err != nil {
		return nil, nil, csvError(err)
	}
	cols, err := readHeader(header, f)
	if err != nil {
		return nil, nil, err
	}
	t := &table{has: map[string]bool{}}
	for i, c := range cols {
		switch c {
		case "":
		case ignoredColumn:
			t.ignored = append(t.ignored, strings.TrimSpace(header[i]))
		default:
			t.has[c] = true
		}
	}
	var errs []RowError
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			// Spreadsheets export trailing rows of empty cells.
			continue
		}
		t.total++
		if len(rec) != len(cols) {
			errs = append(errs, RowError{Line: line, Reason: fmt.Sprintf("This row has %d fields but the header has %d. Check for a missing or extra comma, or a value with a comma that needs \"quotes\".", len(rec), len(cols))})
			continue
		}
		if e := fill(t, cols, rec, line, f); e != nil {
			errs = append(errs, *e)
		}
	}
	return t, errs, nil
}

// fill adds rec to t, or returns why it cannot be.
func fill(t *table, cols, rec []string, line int, f format) *RowError {
	rw := row{line: line, values: make(map[string]string, len(cols))}
	for i, c := range cols {
		v := strings.TrimSpace(rec[i])
		if c == ignoredColumn {
			continue
		}
		if c == "" {
			if v != "" {
				return &RowError{Line: line, Reason: fmt.Sprintf("Field %d holds %q but its column has no name in the header.", i+1, v)}
			}
			continue
		}
		rw.values[c] = v
	}
	for _, c := range f.required {
		if rw.values[c] == "" {
			return &RowError{Line: line, Column: c, Reason: fmt.Sprintf("Every row needs a %s; this one leaves it empty.", c)}
		}
	}
	t.rows = append(t.rows, rw)
	return nil
}

// readHeader maps the header to column names: "" for an unnamed column,
// ignoredColumn for one the format does not know.
func readHeader(header []string, f format) ([]string, error) {
	cols := make([]string, len(header))
	seen := map[string]string{} // column → the header name that gave it
	for i, h := range header {
		c := normColumn(h)
		if a, ok := f.aliases[c]; ok {
			c = a
		}
		switch {
		case c == "":
		case !f.known(c):
			c = ignoredColumn
		case seen[c] != "":
			if first := seen[c]; !strings.EqualFold(first, strings.TrimSpace(h)) {
				return nil, atlas.Errorf(atlas.EInvalid, "The header names the column %s twice: as %q and as %q. Keep one of them.", c, first, strings.TrimSpace(h))
			}
			return nil, atlas.Errorf(atlas.EInvalid, "The header names the column %s twice.", c)
		default:
			seen[c] = strings.TrimSpace(h)
		}
		cols[i] = c
	}
	var missing []string
	for _, c := range append(slices.Clone(f.required), f.header...) {
		if seen[c] == "" {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		noun := "the required column"
		if len(missing) > 1 {
			noun = "the required columns"
		}
		return nil, atlas.Errorf(atlas.EInvalid, "The header lacks %s %s. The first line must name the columns, such as %s.", noun, strings.Join(missing, ", "), strings.Join(f.example(), ","))
	}
	if len(f.oneOf) > 0 && !slices.ContainsFunc(f.oneOf, func(c string) bool { return seen[c] != "" }) {
		return nil, atlas.Errorf(atlas.EInvalid, "The header needs a %s column. The first line must name the columns, such as %s.", strings.Join(f.oneOf, " or "), strings.Join(f.example(), ","))
	}
	return cols, nil
}

// example is the smallest header the format accepts.
func (f format) example() []string {
	ex := slices.Clone(f.oneOf[:min(len(f.oneOf), 1)])
	for _, c := range f.columns {
		if slices.Contains(f.required, c) || slices.Contains(f.header, c) {
			ex = append(ex, c)
		}
	}
	return ex
}

// skipBOM drops a UTF-8 byte order mark at the start of r. Excel and
// practice software write one; left in, it would glue itself to the first
// column's name, and break a quoted first field for the CSV reader.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\ufeff")) {
		_, _ = br.Discard(3)
	}
	return br
}

// normColumn makes "Monthly Fee" and "monthly-fee" the column monthly_fee,
// and "Billed?" the column billed.
func normColumn(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimSpace(strings.TrimRight(h, "?"))
	return strings.Join(strings.FieldsFunc(h, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }), "_")
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// csvError reports broken CSV syntax with the line it is on.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return atlas.Wrap(err, atlas.EInvalid, "Line %d is not valid CSV: %v. A value containing a quote must be wrapped in quotes, with the quote doubled (\"\").", pe.Line, pe.Err)
	}
	return fmt.Errorf("read the file: %w", err)
}
