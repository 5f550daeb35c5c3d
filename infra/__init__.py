"""Resources of the service: the AWS template pieces and the local emulation that mirrors them."""
