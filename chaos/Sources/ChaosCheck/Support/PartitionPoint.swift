extension RandomAccessCollection {
    /// The index of the first element satisfying `predicate`, by binary search: the collection
    /// must be partitioned, every element failing it coming before every element satisfying it
    /// (as in a sorted array with `predicate` = "at least x"). `endIndex` when none does.
    func partitionPoint(where predicate: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if predicate(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
