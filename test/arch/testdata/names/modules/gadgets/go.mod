module github.com/zebralabs/zebra/modules/gadgets

go 1.26
