package config

import "go.uber.org/fx"

// AsSection annotates a constructor returning a Section so that fx adds it
// to the "config" value group that `zebra config` prints.
func AsSection(constructor any) any {
	return fx.Annotate(constructor, fx.ResultTags(`group:"config"`))
}

// Sections is the "config" value group, for the command that prints it.
type Sections struct {
	fx.In
	Sections []Section `group:"config"`
}

// Provide parses a module's configuration struct T from the environment
// (with Parse, so T may validate itself) and contributes it to the
// "config" group under name. A module writes
//
//	config.Provide[Config]("billing")
//
// in its fx.Module and then takes Config in its constructors. When
// APP_ENV=prod and T implements ProdChecker, its RefuseInsecure runs too.
func Provide[T any](name string) fx.Option {
	return fx.Options(
		fx.Provide(func(platform Config) (T, error) {
			var v T
			if err := Parse(&v); err != nil {
				return v, err
			}
			if pc, ok := any(v).(ProdChecker); ok && platform.IsProd() {
				return v, pc.RefuseInsecure()
			}
			return v, nil
		}),
		fx.Provide(AsSection(func(v T) Section { return Section{Name: name, Value: v} })),
	)
}

// ProdChecker is implemented by a module's configuration that has insecure
// development defaults (signing keys, SMTP without TLS) to refuse when
// APP_ENV=prod. RefuseInsecure returns an *Error naming the variables.
type ProdChecker interface {
	RefuseInsecure() error
}
