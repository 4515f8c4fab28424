package blockkit

import "fmt"

// Page describes one page of a list shown in a view. Views cannot scroll
// past their block limit (50 in a message, 100 in a modal or Home tab), so
// any list that grows with the client's data (open invoices, unreconciled
// transactions, clients) must be paged.
type Page struct {
	Index   int // zero-based page number, clamped into [0, Pages)
	PerPage int // items per page, at least 1
	Total   int // items in the whole list, at least 0
	Pages   int // number of pages, at least 1 (an empty list has one empty page)
	Start   int // items[Start:End] is this page
	End     int
}

// Paginate works out which items of a list of total items belong on the
// zero-based page. It clamps instead of failing, because page numbers come
// back from button values and the list may have shrunk since the button was
// rendered: a page past the end shows the last page, a negative one the
// first. perPage < 1 is treated as 1; total < 0 as 0.
func Paginate(total, page, perPage int) Page {
	if perPage < 1 {
		perPage = 1
	}
	if total < 0 {
		total = 0
	}
	pages := max((total+perPage-1)/perPage, 1)
	page = min(max(page, 0), pages-1)
	start := page * perPage
	end := min(start+perPage, total)
	return Page{Index: page, PerPage: perPage, Total: total, Pages: pages, Start: start, End: end}
}

// HasPrev reports whether a page comes before this one.
func (p Page) HasPrev() bool { return p.Index > 0 }

// HasNext reports whether a page comes after this one.
func (p Page) HasNext() bool { return p.End < p.Total }

// Remaining is the number of items after this page.
func (p Page) Remaining() int { return p.Total - p.End }

// More returns "+N more" when items follow this page and "" otherwise, for
// a context line under a truncated list.
func (p Page) More() string {
	if r := p.Remaining(); r > 0 {
		return fmt.Sprintf("+%d more", r)
	}
	return ""
}

// Label returns a one-based "Page 2 of 5" for display next to the
// previous/next buttons.
func (p Page) Label() string {
	return fmt.Sprintf("Page %d of %d", p.Index+1, p.Pages)
}

// PageItems returns the items on the zero-based page and the Page that
// describes it (see Paginate). The returned slice has its capacity capped,
// so appending to it (say, a "show more" row) cannot overwrite the next
// page's items in the caller's slice.
func PageItems[T any](items []T, page, perPage int) ([]T, Page) {
	p := Paginate(len(items), page, perPage)
	return items[p.Start:p.End:p.End], p
}

// Chunk splits items into consecutive groups of at most size, e.g. buttons
// into actions blocks of MaxActionsElements or key/value pairs into
// sections of MaxSectionFields. size < 1 is treated as 1. Each chunk has
// its capacity capped like PageItems. Chunk of an empty slice is nil.
func Chunk[T any](items []T, size int) [][]T {
	if size < 1 {
		size = 1
	}
	var chunks [][]T
	for start := 0; start < len(items); start += size {
		end := min(start+size, len(items))
		chunks = append(chunks, items[start:end:end])
	}
	return chunks
}
