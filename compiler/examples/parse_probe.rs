fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap();
        let p = mspc_compiler::syntax::parse(&text);
        println!("{path}: {} items, {} errors", p.ast.items.len(), p.errors.len());
        for e in &p.errors {
            println!(
                "  {:?} {:?} {:?} -> {}",
                e.code,
                e.range,
                &text[e.range.start as usize..e.range.end as usize],
                e.message
            );
        }
    }
}
