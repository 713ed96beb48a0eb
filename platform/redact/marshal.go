package redact

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
)

// Marshal encodes v as JSON with every sensitive key removed at any depth,
// as json.Marshal(JSON(v)) does. A nil v gives nil.
//
// Most audited values are plain structs (an entity's snapshot) whose JSON
// cannot contain a sensitive key at all: for those, decided once per type,
// Marshal is one json.Marshal, without the decode, walk and re-encode of
// the general path, which profiles showed as a tenth of an audited write's
// CPU (docs/performance.md). Every other value (maps, interfaces, raw JSON,
// custom marshalers, structs with a sensitive field) takes the general
// path. The output's object keys are in struct order on the fast path and
// sorted on the general one; consumers that need one form canonicalise.
func Marshal(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	if keyFree(reflect.TypeOf(v)) {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("marshal value to redact: %w", err)
		}
		return b, nil
	}
	clean, err := JSON(v)
	if err != nil || clean == nil {
		return nil, err
	}
	b, err := json.Marshal(clean)
	if err != nil {
		return nil, fmt.Errorf("marshal redacted value: %w", err)
	}
	return b, nil
}

// keyFreeTypes caches keyFree's answer per type.
var keyFreeTypes sync.Map // reflect.Type -> bool

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	timeType      = reflect.TypeFor[time.Time]()
)

// keyFree reports whether no value of type t can encode (with
// encoding/json) to JSON holding a sensitive key: t is made only of
// booleans, numbers, strings, times, text marshalers (which encode as
// strings), and pointers, slices, arrays and structs of those, and no
// struct field's JSON name is sensitive. Maps, interfaces and other custom
// marshalers can hold anything, so they make a type not key-free.
func keyFree(t reflect.Type) bool {
	if v, ok := keyFreeTypes.Load(t); ok {
		return v.(bool)
	}
	free := keyFreeIn(t, map[reflect.Type]bool{})
	keyFreeTypes.Store(t, free)
	return free
}

// keyFreeIn is keyFree with the struct types being checked further up
// (seen), so recursive types terminate: a type's fields are all checked
// where it is first met.
func keyFreeIn(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t.Kind() == reflect.Pointer { // encoded as what it points to
		return keyFreeIn(t.Elem(), seen)
	}
	if t == timeType {
		return true
	}
	if t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler) {
		return false
	}
	if t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		return true
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	case reflect.Slice, reflect.Array:
		return keyFreeIn(t.Elem(), seen)
	case reflect.Struct:
		if seen[t] {
			return true
		}
		seen[t] = true
		for f := range t.Fields() {
			name, skip := jsonName(f)
			if skip {
				continue
			}
			if name != "" && IsSensitive(name) {
				return false
			}
			if !keyFreeIn(f.Type, seen) {
				return false
			}
		}
		return true
	default:
		return false
	}
}

// jsonName returns the key encoding/json gives field f, "" for an
// embedded struct whose fields are promoted, and skip for a field it
// leaves out.
func jsonName(f reflect.StructField) (name string, skip bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", true
	}
	name, _, _ = strings.Cut(tag, ",")
	if f.Anonymous && name == "" {
		t := f.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() == reflect.Struct {
			return "", false // promoted fields: checked with the embedded type
		}
	}
	if !f.IsExported() {
		return "", true
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}
