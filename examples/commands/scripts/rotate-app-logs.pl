#!/usr/bin/perl
# Compress rotated logs (name.log.1, name.log-20260101, ...) older than
# compress_after_days, and delete compressed logs older than keep_days. Active *.log
# files and symbolic links are never touched. Safe to run again: compressed files keep
# the original modification time, so their age counts from when the log was written.
use strict;
use warnings;
use File::Find;
use IO::Compress::Gzip qw(gzip $GzipError);

my $dir            = '{{log_dir}}';
my $compress_after = '{{compress_after_days}}';
my $keep_days      = '{{keep_days}}';

for my $n ($compress_after, $keep_days) {
    die "day counts must be whole numbers, got '$n'\n" unless $n =~ /^\d+$/;
}
die "keep_days ($keep_days) must be greater than compress_after_days ($compress_after)\n"
    unless $keep_days > $compress_after;
die "$dir is not a directory\n" unless -d $dir;

my $now = time;
my ($compressed, $deleted, $failed) = (0, 0, 0);

sub visit {
    my $path = $File::Find::name;
    my @st   = lstat $path or return;
    return unless -f _;    # regular files only: lstat makes symlinks fail this
    my ($atime, $mtime) = @st[8, 9];
    my $age_days = ($now - $mtime) / 86400;

    if ($path =~ /\.gz\z/) {
        return unless $age_days > $keep_days;
        if (unlink $path) { $deleted++ } else { warn "cannot delete $path: $!\n"; $failed++ }
    }
    elsif ($path =~ /\.log[.-][^\/]+\z/ && $path !~ /\.part\z/ && $age_days > $compress_after) {
        my $tmp = "$path.gz.part";
        if (!gzip($path => $tmp, Minimal => 1)) {
            warn "cannot compress $path: $GzipError\n";
            unlink $tmp;
            $failed++;
            return;
        }
        utime $atime, $mtime, $tmp;
        rename $tmp, "$path.gz" or die "cannot rename $tmp: $!\n";
        unlink $path or warn "compressed but cannot delete $path: $!\n";
        $compressed++;
    }
}

find({ wanted => \&visit, no_chdir => 1 }, $dir);
print "$dir: compressed $compressed, deleted $deleted, failed $failed\n";
exit($failed ? 1 : 0);
