package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// format is the shape of one kind of file.
type format struct {
	columns  []string // every column the file may have, in documented order
	required []string // columns the header must have and no row may leave empty
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
	has   map[string]bool // the columns the header names
	rows  []row           // the data rows that passed the structural checks
	total int             // every non-blank data row, including rejected ones
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

// readTable reads a header-based CSV file. Problems with the file as a
// whole — no header, an unknown or missing column, broken quoting — are
// returned as an EInvalid error, since no row can be trusted after them.
// Problems confined to a row (a wrong number of fields, an empty required
// value) come back as row errors, so that row alone can be skipped.
func readTable(r io.Reader, f format) (*table, []RowError, error) {
	cr := csv.NewReader(r)
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
	for _, c := range cols {
		if c != "" {
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

// readHeader maps the header to column names, "" for an unnamed column.
func readHeader(header []string, f format) ([]string, error) {
	cols := make([]string, len(header))
	seen := map[string]bool{}
	var unknown []string
	for i, h := range header {
		if i == 0 {
			// Excel writes UTF-8 files with a byte order mark.
			h = strings.TrimPrefix(h, "\ufeff")
		}
		c := normColumn(h)
		cols[i] = c
		switch {
		case c == "":
		case !f.known(c):
			unknown = append(unknown, fmt.Sprintf("%q", strings.TrimSpace(h)))
		case seen[c]:
			return nil, atlas.Errorf(atlas.EInvalid, "The header names the column %s twice.", c)
		}
		seen[c] = true
	}
	if len(unknown) > 0 {
		noun := "an unknown column"
		if len(unknown) > 1 {
			noun = "unknown columns"
		}
		return nil, atlas.Errorf(atlas.EInvalid, "The header has %s: %s. The columns are: %s.", noun, strings.Join(unknown, ", "), strings.Join(f.columns, ", "))
	}
	var missing []string
	for _, c := range f.required {
		if !seen[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		noun := "the required column"
		if len(missing) > 1 {
			noun = "the required columns"
		}
		return nil, atlas.Errorf(atlas.EInvalid, "The header lacks %s %s. The first line must name the columns, such as %s.", noun, strings.Join(missing, ", "), strings.Join(f.required, ","))
	}
	return cols, nil
}

// normColumn makes "Monthly Fee" and "monthly-fee" the column monthly_fee.
func normColumn(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(h)
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
