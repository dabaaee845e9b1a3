fn main() {
    std::process::exit(msgpolicy::cli::main());
}
