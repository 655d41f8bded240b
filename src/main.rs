fn main() {
    std::process::exit(awsp::main());
}
