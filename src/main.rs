fn main() {
    awsp::exit(awsp::main());
}
