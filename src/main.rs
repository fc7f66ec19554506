fn main() -> std::process::ExitCode {
    assistctl::cli::main()
}
