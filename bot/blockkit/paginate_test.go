package blockkit_test

import (
	"slices"
	"testing"

	"github.com/atlas-practice/atlas/bot/blockkit"
)

func TestPaginate(t *testing.T) {
	tests := []struct {
		name                 string
		total, page, perPage int
		want                 blockkit.Page
		hasPrev, hasNext     bool
		more, label          string
	}{
		{"empty list", 0, 0, 10,
			blockkit.Page{Index: 0, PerPage: 10, Total: 0, Pages: 1, Start: 0, End: 0}, false, false, "", "Page 1 of 1"},
		{"fits on one page", 7, 0, 10,
			blockkit.Page{Index: 0, PerPage: 10, Total: 7, Pages: 1, Start: 0, End: 7}, false, false, "", "Page 1 of 1"},
		{"exactly one page", 10, 0, 10,
			blockkit.Page{Index: 0, PerPage: 10, Total: 10, Pages: 1, Start: 0, End: 10}, false, false, "", "Page 1 of 1"},
		{"first of several", 25, 0, 10,
			blockkit.Page{Index: 0, PerPage: 10, Total: 25, Pages: 3, Start: 0, End: 10}, false, true, "+15 more", "Page 1 of 3"},
		{"middle", 25, 1, 10,
			blockkit.Page{Index: 1, PerPage: 10, Total: 25, Pages: 3, Start: 10, End: 20}, true, true, "+5 more", "Page 2 of 3"},
		{"partial last page", 25, 2, 10,
			blockkit.Page{Index: 2, PerPage: 10, Total: 25, Pages: 3, Start: 20, End: 25}, true, false, "", "Page 3 of 3"},
		{"full last page", 30, 2, 10,
			blockkit.Page{Index: 2, PerPage: 10, Total: 30, Pages: 3, Start: 20, End: 30}, true, false, "", "Page 3 of 3"},
		{"page past end clamps to last", 25, 9, 10,
			blockkit.Page{Index: 2, PerPage: 10, Total: 25, Pages: 3, Start: 20, End: 25}, true, false, "", "Page 3 of 3"},
		{"negative page clamps to first", 25, -1, 10,
			blockkit.Page{Index: 0, PerPage: 10, Total: 25, Pages: 3, Start: 0, End: 10}, false, true, "+15 more", "Page 1 of 3"},
		{"zero perPage treated as one", 3, 1, 0,
			blockkit.Page{Index: 1, PerPage: 1, Total: 3, Pages: 3, Start: 1, End: 2}, true, true, "+1 more", "Page 2 of 3"},
		{"negative total treated as empty", -5, 2, 10,
			blockkit.Page{Index: 0, PerPage: 10, Total: 0, Pages: 1, Start: 0, End: 0}, false, false, "", "Page 1 of 1"},
		{"page past end of empty list", 0, 4, 10,
			blockkit.Page{Index: 0, PerPage: 10, Total: 0, Pages: 1, Start: 0, End: 0}, false, false, "", "Page 1 of 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := blockkit.Paginate(tt.total, tt.page, tt.perPage)
			if p != tt.want {
				t.Errorf("Paginate(%d, %d, %d) = %+v, want %+v", tt.total, tt.page, tt.perPage, p, tt.want)
			}
			if p.HasPrev() != tt.hasPrev || p.HasNext() != tt.hasNext {
				t.Errorf("HasPrev, HasNext = %v, %v, want %v, %v", p.HasPrev(), p.HasNext(), tt.hasPrev, tt.hasNext)
			}
			if p.More() != tt.more {
				t.Errorf("More() = %q, want %q", p.More(), tt.more)
			}
			if p.Label() != tt.label {
				t.Errorf("Label() = %q, want %q", p.Label(), tt.label)
			}
		})
	}
}

// TestPaginateCoversEveryItemOnce walks all pages for many list sizes and
// checks that together they hold every item exactly once, in order.
func TestPaginateCoversEveryItemOnce(t *testing.T) {
	for total := 0; total <= 40; total++ {
		for perPage := 1; perPage <= 12; perPage++ {
			next := 0
			first := blockkit.Paginate(total, 0, perPage)
			for page := 0; page < first.Pages; page++ {
				p := blockkit.Paginate(total, page, perPage)
				if p.Start != next || p.End < p.Start || p.End-p.Start > perPage {
					t.Fatalf("total %d perPage %d page %d: bounds %d:%d, expected start %d", total, perPage, page, p.Start, p.End, next)
				}
				if p.HasNext() != (page < first.Pages-1) {
					t.Fatalf("total %d perPage %d page %d: HasNext %v", total, perPage, page, p.HasNext())
				}
				next = p.End
			}
			if next != total {
				t.Fatalf("total %d perPage %d: pages covered %d items", total, perPage, next)
			}
		}
	}
}

func TestPageItems(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	got, p := blockkit.PageItems(items, 1, 2)
	if !slices.Equal(got, []string{"c", "d"}) || p.More() != "+1 more" {
		t.Fatalf("PageItems = %v, %+v", got, p)
	}
	// Appending to a page must not overwrite the caller's next item.
	_ = append(got, "x")
	if items[4] != "e" {
		t.Errorf("append to page clobbered items: %v", items)
	}
	if got, _ := blockkit.PageItems([]string(nil), 3, 10); len(got) != 0 {
		t.Errorf("PageItems(nil) = %v", got)
	}
}

func TestChunk(t *testing.T) {
	tests := []struct {
		n, size int
		want    [][]int
	}{
		{0, 3, nil},
		{2, 3, [][]int{{0, 1}}},
		{3, 3, [][]int{{0, 1, 2}}},
		{7, 3, [][]int{{0, 1, 2}, {3, 4, 5}, {6}}},
		{2, 0, [][]int{{0}, {1}}},
	}
	for _, tt := range tests {
		items := make([]int, tt.n)
		for i := range items {
			items[i] = i
		}
		got := blockkit.Chunk(items, tt.size)
		if !slices.EqualFunc(got, tt.want, slices.Equal[[]int]) {
			t.Errorf("Chunk(%d items, %d) = %v, want %v", tt.n, tt.size, got, tt.want)
		}
	}
	chunks := blockkit.Chunk([]int{1, 2, 3, 4}, 2)
	_ = append(chunks[0], 99)
	if chunks[1][0] != 3 {
		t.Errorf("append to chunk clobbered the next chunk: %v", chunks)
	}
}
