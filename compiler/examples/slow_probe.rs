use std::time::Instant;
fn main() {
    let tokens = [
        "service",
        "job",
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "=",
        ",",
        ".",
        "..",
        "\"",
        "\"\"\"",
        "${",
        "//",
        "\n",
        " ",
        "x",
        "prod",
        "secret(\"a\")",
        "\"str\"",
        "1",
        "}}}}",
        "{{{{",
        "environment",
        "@",
        ":",
    ];
    let mut seed: u64 = 42;
    let mut worst = (0u128, String::new());
    for _ in 0..300 {
        let mut s = String::new();
        let n = {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % 120
        };
        for _ in 0..n {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            s.push_str(tokens[((seed >> 33) as usize) % tokens.len()]);
        }
        let t = Instant::now();
        let _ = mspc_compiler::syntax::parse(&s);
        let el = t.elapsed().as_millis();
        if el > worst.0 {
            worst = (el, s.clone());
        }
    }
    println!("worst parse {}ms: {:?}", worst.0, worst.1);
}
