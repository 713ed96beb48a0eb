package event

import "testing"

// FuzzCanonical looks for documents on which the fast path and the
// reference disagree.
func FuzzCanonical(f *testing.F) {
	for _, tt := range canonicalCases {
		f.Add([]byte(tt.doc))
	}
	f.Add([]byte(benchmarkSnapshot))
	f.Fuzz(func(t *testing.T, doc []byte) {
		assertCanonicalMatches(t, doc)
	})
}
