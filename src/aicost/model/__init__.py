"""The priced world as frozen data; imports only the standard library."""
