package blockkittest

import (
	"fmt"
	"strings"
)

// diffContext is the number of unchanged lines shown around each change.
const diffContext = 3

// maxDiffCells bounds the LCS table (4 bytes a cell). Goldens of a full
// 100-block view run to a few thousand lines, but the common prefix and
// suffix are stripped first, so the table is normally tiny; past the bound
// the changed region is shown as a whole removal plus a whole addition.
const maxDiffCells = 4 << 20

type diffOp struct {
	kind byte // ' ', '-' (only in want) or '+' (only in got)
	line string
	a, b int // 1-based line numbers in want and got where this op sits
}

// lineDiff returns a line diff of want and got in a unified-diff-like
// layout: hunks headed "@@ -want +got @@" with the golden's lines prefixed
// "-", the new output's "+", and up to diffContext unchanged lines around
// them. It returns "" when the texts are equal.
func lineDiff(want, got string) string {
	a, b := splitLines(want), splitLines(got)

	// Strip the common prefix and suffix; only the middle needs an LCS.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}

	var ops []diffOp
	for i := range pre {
		ops = append(ops, diffOp{' ', a[i], i + 1, i + 1})
	}
	ops = append(ops, middle(a[pre:len(a)-suf], b[pre:len(b)-suf], pre, pre)...)
	for k := suf; k > 0; k-- {
		i, j := len(a)-k, len(b)-k
		ops = append(ops, diffOp{' ', a[i], i + 1, j + 1})
	}
	return render(ops)
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// middle diffs a and b, which start at offsets ao and bo in the full texts,
// by longest common subsequence.
func middle(a, b []string, ao, bo int) []diffOp {
	n, m := len(a), len(b)
	var ops []diffOp
	if n*m > maxDiffCells {
		for i, l := range a {
			ops = append(ops, diffOp{'-', l, ao + i + 1, bo + 1})
		}
		for j, l := range b {
			ops = append(ops, diffOp{'+', l, ao + n + 1, bo + j + 1})
		}
		return ops
	}
	// lcs[i*(m+1)+j] is the LCS length of a[i:] and b[j:].
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i], ao + i + 1, bo + j + 1})
			i++
			j++
		case j == m || (i < n && lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
			ops = append(ops, diffOp{'-', a[i], ao + i + 1, bo + j + 1})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j], ao + i + 1, bo + j + 1})
			j++
		}
	}
	return ops
}

func render(ops []diffOp) string {
	show := make([]bool, len(ops))
	changed := false
	for i, op := range ops {
		if op.kind == ' ' {
			continue
		}
		changed = true
		for k := max(0, i-diffContext); k <= min(len(ops)-1, i+diffContext); k++ {
			show[k] = true
		}
	}
	if !changed {
		return ""
	}
	var sb strings.Builder
	for i, op := range ops {
		if !show[i] {
			continue
		}
		if i == 0 || !show[i-1] {
			fmt.Fprintf(&sb, "@@ -%d +%d @@\n", op.a, op.b)
		}
		sb.WriteByte(op.kind)
		sb.WriteString(op.line)
		sb.WriteByte('\n')
	}
	return sb.String()
}
