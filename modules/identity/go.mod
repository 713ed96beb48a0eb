module github.com/zebralabs/zebra/modules/identity

go 1.26.0

require github.com/zebralabs/zebra/platform v0.0.0

replace github.com/zebralabs/zebra/platform => ../../platform

require (
	github.com/zebralabs/zebra/schema v0.0.0
	go.uber.org/fx v1.24.0
)

require (
	github.com/alexedwards/argon2id v1.0.0 // indirect
	github.com/caarlos0/env/v11 v11.4.2 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	go.uber.org/dig v1.19.0 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.28.0 // indirect
	golang.org/x/crypto v0.14.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

replace github.com/zebralabs/zebra/schema => ../../schema
