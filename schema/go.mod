module github.com/zebralabs/zebra/schema

go 1.26
